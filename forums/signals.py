"""What the forums tell the apps above them (which the forums do not import).

``post_created`` is sent by ``forums.services`` inside the transaction that saved a post,
with ``post`` and ``opened_topic`` (whether the post is the first of its topic): a receiver
writes in that same transaction (so what it writes exists exactly when the post does, and
a rolled-back post leaves nothing), and an error it raises rolls the post back. The blogs
app listens: the author follows the topic, and the topic's and forum's followers get an
email (``blogs.notifications``).
"""

from django.dispatch import Signal

post_created = Signal()  # sent with post=…, opened_topic=…
