"""The single-entry participant form."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional


class ParticipantForm(FlaskForm):
    surname = StringField(_l("Surname"), validators=[DataRequired(), Length(max=100)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])
    patronymic = StringField(_l("Patronymic"), validators=[Optional(), Length(max=100)])
    pin = StringField(_l("Personal number (PIN)"), validators=[DataRequired(), Length(max=20)])
    id_document = StringField(_l("Identity document"), validators=[DataRequired(), Length(max=64)])
    position = SelectField(_l("Position applied for"), validators=[DataRequired()])
    language = SelectField(_l("Language"), choices=[("ky", "Кыргызча"), ("ru", "Русский")])
    competition = StringField(_l("Competition (vacancy)"), validators=[Optional(), Length(max=200)])
    seat = StringField(_l("Seat"), validators=[Optional(), Length(max=16)])
    # Recorded with its time; the browser asks for it (required), the server
    # records what it got, and the list marks anyone without it.
    consent = BooleanField(_l("The candidate signed the consent to the processing of personal data (annex 3)"),
                           render_kw={"required": True})
