"""All models; importing this package registers every table on ``Base.metadata``."""
from examserver.models.base import Base, UTCDateTime  # noqa: F401
from examserver.models.org import Centre, Role, Room, User  # noqa: F401
from examserver.models.bank import BankItem, ExamBlueprint, Position, Topic  # noqa: F401
from examserver.models.sessions import (  # noqa: F401
    AccessCode,
    Admission,
    ExamSession,
    Participant,
    SessionState,
    Terminal,
    TerminalState,
)
from examserver.models.attempts import (  # noqa: F401
    AdjustmentKind,
    Attempt,
    AttemptState,
    FinishReason,
    JournalEvent,
    TimeAdjustment,
)
from examserver.models.records import (  # noqa: F401
    Appeal,
    AppealDecision,
    AppealSignature,
    AppealState,
    AuditEntry,
    Commission,
    CommissionMember,
    Protocol,
    ProtocolKind,
    RateEvent,
    SweepLock,
)
from examserver.models.competitions import (  # noqa: F401
    Competition, CompetitionApplicant, CompetitionDecision, CompetitionSession, CompetitionState, DecisionKind,
    InterviewVote, ReserveEntry, RuleSet, TieBreak, TieBreakEntry,
)
from examserver.models.consolidation import ConsolidatedProtocol, ResultBundle, TrustedCentreKey  # noqa: F401,E402
from examserver.models.bank_review import BlueprintApproval, ItemReview  # noqa: F401,E402
from examserver.models.predraw import PredrawnForm  # noqa: F401,E402
from examserver.models.bank_stamp import BankStamp  # noqa: F401,E402
