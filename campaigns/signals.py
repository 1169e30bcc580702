"""What the catalogue tells the apps above it (which it may not import): receivers connect in their
AppConfig.ready."""

from django.dispatch import Signal

# A customer has just entered segments: sent with ``customer``, ``segment_ids`` and ``caller``, inside the
# transaction of the change that put them there (campaigns.services.segments.announce_entered). The
# loyalty app earns the points of rules on ``customer.segment.entered``.
segments_entered = Signal()
