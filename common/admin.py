import json

from django.contrib.admin.models import LogEntry
from simple_history.admin import SimpleHistoryAdmin
from simple_history.utils import update_change_reason


class HistoryAdmin(SimpleHistoryAdmin):
    """Keeps every version of an object with who changed it and when; the admin's own
    change message (which also names inline rows added, changed or deleted) becomes the
    version's change reason, so a new partner shows up in the history too."""

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        if message:
            text = LogEntry(change_message=json.dumps(message)).get_change_message()
            update_change_reason(obj, text)
        return entry
