"""All models; importing this package registers every table on ``Base.metadata``."""
from .base import Base, UTCDateTime  # noqa: F401
from .org import Centre, Role, Room, User  # noqa: F401
from .bank import BankItem, ExamBlueprint, Position, Topic  # noqa: F401
from .sessions import (  # noqa: F401
    AccessCode,
    Admission,
    ExamSession,
    Participant,
    SessionState,
    Terminal,
    TerminalState,
)
from .attempts import (  # noqa: F401
    AdjustmentKind,
    Attempt,
    AttemptState,
    FinishReason,
    JournalEvent,
    TimeAdjustment,
)
from .records import (  # noqa: F401
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
