"""/v1/ endpoints of stacking: the read-only stacking rules (VH extension); categories live in campaigns' API."""

from ninja import Router

from .models import StackingRules
from .serializers import stacking_rules_json

router = Router(tags=["stacking"])


@router.get("/stacking-rules", summary="The installation's stacking rules (read-only; edited in the dashboard)")
def get_stacking_rules(request):
    return stacking_rules_json(StackingRules.load())
