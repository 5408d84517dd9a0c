"""Before and around the exam, on the proctor's side: exam sessions,
participants (personal numbers, CSV import, admission, retake cooldown), code
slips and the live room view."""
