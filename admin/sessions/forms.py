"""Forms of the sessions pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, SelectMultipleField, StringField, TimeField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class SessionForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    room_id = SelectField(_l("Room"), coerce=int, validators=[DataRequired()])
    session_date = DateField(_l("Date"), validators=[DataRequired()])
    start_time = TimeField(_l("Start time (local)"), validators=[DataRequired()])
    start_window_minutes = IntegerField(_l("Start window, minutes"), default=60,
                                        validators=[Optional(), NumberRange(min=5, max=1440)])
    blueprint_codes = SelectMultipleField(_l("Tests offered (none chosen: all)"), validators=[Optional()])


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Length(max=1000)])
