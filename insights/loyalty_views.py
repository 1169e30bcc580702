"""A loyalty program's tabs in its campaign page: Loyalty cards (each member's card and points), a card's
page (its figures and ledger; Admins add or take points with a reason), and Points (every change)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import TemplateView

from dashboard.lists import DashboardListView
from loyalty import queries as loyalty_queries
from loyalty.filters import CardFilter, PointsFilter
from loyalty.forms import AdjustPointsForm
from loyalty.services.points import change_balance
from loyalty.tables import CardTable, PointsTable
from voucherhub.caller import Caller
from voucherhub.errors import DomainError
from voucherhub.privacy import can_see_customers

from .views import LOYALTY, CampaignListTabMixin, CampaignPageMixin

CHANGE_POINTS = "loyalty.change_loyaltycard"


class CampaignLoyaltyCardsView(CampaignListTabMixin, DashboardListView):
    permission_required = "loyalty.view_loyaltycard"
    types = LOYALTY
    title = "Loyalty cards"
    table_target = "loyalty-card-table"
    filterset_class = CardFilter
    table_class = CardTable
    noun = "cards"
    empty_text = "No members yet — each customer who joins the program gets a card, listed here with its points."
    empty_icon = "ticket-perforated-fill"

    def get_queryset(self):
        return loyalty_queries.program_cards(self.campaign)


class CampaignPointsView(CampaignListTabMixin, DashboardListView):
    permission_required = "loyalty.view_pointstransaction"
    types = LOYALTY
    title = "Points"
    table_target = "points-table"
    filterset_class = PointsFilter
    table_class = PointsTable
    noun = "points changes"
    empty_text = "No points have moved yet — every point added, taken or transferred is listed here."

    def get_queryset(self):
        return loyalty_queries.program_transactions(self.campaign)


class LoyaltyCardView(CampaignPageMixin, TemplateView):
    """One card: its figures, its latest changes and, for Admins, the form that adds or takes points."""

    permission_required = "loyalty.view_loyaltycard"
    types = LOYALTY
    template_name = "insights/loyalty_card.html"
    title = "Loyalty card"

    def card(self):
        try:
            return loyalty_queries.find_card(self.kwargs["code"], campaign=self.campaign)
        except DomainError:
            raise Http404("No such card in this program") from None

    def get_context_data(self, form=None, **kwargs):
        card = self.card()
        user = self.request.user
        can_change = user.has_perm(CHANGE_POINTS)
        return super().get_context_data(
            card=card,
            holder=card.voucher.holder if can_see_customers(user) else None,
            held=card.voucher.holder_id is not None,
            changes=list(loyalty_queries.card_transactions(card)[:20]),
            form=(form or AdjustPointsForm()) if can_change else None,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not request.user.has_perm(CHANGE_POINTS):
            raise PermissionDenied
        card = self.card()
        form = AdjustPointsForm(request.POST)
        if form.is_valid():
            try:
                change_balance(
                    caller=Caller.for_user(request.user),
                    member=card.voucher.code,
                    program=self.campaign.pk,
                    change=form.change(),
                )
            except DomainError as error:
                form.add_error("points", error.details or error.message)
            else:
                return redirect(request.path + "?changed=1")
        return self.render_to_response(self.get_context_data(form=form), status=400)
