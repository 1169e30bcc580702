"""The list-page pattern every dashboard section uses.

``DashboardListView`` renders a filterable, sortable list: the whole page on a direct load, only the
section body on a tab click, only the table on a filter/sort/page change, only the filter panel when
"Add filter" changes it; all from one template (``templates/dashboard/list.html``) whose pieces a list may
swap for its own (``filter_template``, ``table_template``, ``list_actions``). Rows are paged by keyset
(dashboard.keyset: no OFFSET) and counted up to ``COUNT_CAP`` (never a full COUNT), so a list never pays
for the size of its table.
"""

from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db.models import QuerySet
from django.utils.cache import patch_vary_headers
from django_filters.views import FilterView
from django_tables2.views import SingleTableMixin

from .filters import filter_errors, mark_invalid, page_size_form
from .keyset import keyset_table
from .tabs import may_open_section, visible_tabs

# Every list counts its matching rows up to here, then says "10,000+". COUNT(*) over LIMIT COUNT_CAP + 1
# costs at most that many index entries or rows, whatever the table's size (bench/list_pages.py).
COUNT_CAP = 10_000


def capped_count(queryset: QuerySet) -> tuple[int, bool]:
    """How many rows match, counting no further than ``COUNT_CAP``: (count, more_than_that)."""
    counted = queryset.order_by().values("pk")[: COUNT_CAP + 1].count()
    return min(counted, COUNT_CAP), counted > COUNT_CAP


def count_label(count: int, more: bool) -> str:
    return f"{count:,}+" if more else f"{count:,}"


def counted_noun(count: int, more: bool, plural: str, singular: str = "") -> str:
    """The noun after a row count: "1 campaign", "2 campaigns", "0 campaigns", "10,000+ campaigns"."""
    if count == 1 and not more:
        return singular or plural.removesuffix("s")
    return plural


def without_params(request, *names: str) -> str:
    """This list's URL without these parameters (and back on its first page): a filter's "remove"."""
    params = request.GET.copy()
    for name in (*names, "add", "page", "after", "before"):
        params.pop(name, None)
    return f"{request.path}?{params.urlencode()}" if params else request.path


def as_whole_page(request, response):
    """A page of its own (a detail page) asked for by htmx, e.g. through a link inside a swapped region:
    htmx is told to replace the whole body and push the page's URL, so the page never nests inside the
    element that asked for it (a second top bar under the filters). A history restore is left alone."""
    htmx = request.htmx
    if htmx and not htmx.history_restore_request:
        response["HX-Retarget"] = "body"
        response["HX-Reswap"] = "innerHTML show:window:top"
        response["HX-Push-Url"] = request.get_full_path()
    patch_vary_headers(response, ("HX-Request",))
    return response


class SectionPageMixin(PermissionRequiredMixin):
    """A permission-checked page of a dashboard section, with the section's tabs and htmx partial routing:
    an htmx request targeting an element named in ``swaps()`` gets that partial of the page's template,
    any other htmx request the ``section_body`` partial (a tab click), a normal request the whole page."""

    raise_exception = True  # a logged-in user without the permission gets 403, not a login loop
    section = "Redemptions"
    title = ""
    table_target = ""  # the id of the element a filter, sort or page change swaps
    layout = "dashboard/section.html"  # the page around the section body (a campaign's pages have their own)

    def swaps(self) -> dict[str, str]:
        """{htmx target id: the partial of the page's template that replaces it}."""
        return {self.table_target: "table"} if self.table_target else {}

    def swapped_partial(self) -> str:
        """The partial this request renders alone ("" for the whole page)."""
        htmx = self.request.htmx
        if not htmx or htmx.history_restore_request:
            return ""
        return self.swaps().get(htmx.target, "section_body")

    def get_template_names(self):
        names = super().get_template_names()
        partial = self.swapped_partial()
        return [f"{names[0]}#{partial}"] if partial else names

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        patch_vary_headers(response, ("HX-Request", "HX-Target"))
        return response

    def heading(self) -> str:
        """The page's heading: its section, or its own title for a user who cannot open the section."""
        if self.title and not may_open_section(self.section, self.request.user):
            return self.title
        return self.section

    def page_title(self) -> str:
        heading = self.heading()
        return self.title if self.title in ("", heading) else f"{self.title} · {heading}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=self.title,
            section=self.section,
            heading=self.heading(),
            page_title=self.page_title(),
            layout=self.layout,
            tabs=visible_tabs(self.section, self.request.user),
        )
        return context


class DetailPageMixin(SectionPageMixin):
    """A detail page of a section (a session, a validation, a request log): always rendered whole, with the
    section's tabs, and a whole page in the browser however it is reached (see as_whole_page)."""

    def get_template_names(self):
        return [self.template_name]

    def render_to_response(self, context, **response_kwargs):
        return as_whole_page(self.request, super().render_to_response(context, **response_kwargs))


class DashboardListView(SectionPageMixin, SingleTableMixin, FilterView):
    """A filterable, sortable list whose cost does not grow with the table."""

    template_name = "dashboard/list.html"
    filter_template = "dashboard/_filter_panel.html"  # the filter panel
    table_template = "dashboard/_table.html"  # the swappable block around the table
    list_actions: tuple[str, ...] = ()  # templates shown above the filters (e.g. the Export button)
    noun = "rows"  # after the row count: "1,234 sessions"
    noun_singular = ""  # after a count of one ("1 session"); "" drops the plural's final s
    filter_label = "Filter"  # the filter panel's accessible name
    list_note = ""  # a line above the filters, when the list needs one
    default_sort = "-created_at"
    # The one line shown when the list has no rows at all. With filters set and no row, every list says
    # "No <noun> match these filters" with a "Clear filters" link (templates/dashboard/_table.html).
    empty_text = "Nothing here yet."
    empty_icon = "journal-text"  # an icon of the sprite (static/vendor/bootstrap-icons/icons.svg)

    def swaps(self) -> dict[str, str]:
        return {**super().swaps(), "filter-panel": "filter_panel"}

    def get(self, request, *args, **kwargs):
        self.size_form = page_size_form(request.GET)
        return super().get(request, *args, **kwargs)

    def page_size(self) -> int:
        return self.size_form.page_size()

    def get_table_kwargs(self):
        return {"user": self.request.user}

    def get_table(self, **kwargs):
        if self.swapped_partial() == "filter_panel":
            return None  # "Add filter" re-renders the panel alone: no rows to read
        # Sorting from ?sort=, pages by keyset cursor (?after= / ?before=): no OFFSET however deep.
        table = keyset_table(
            self.request,
            self.get_table_class(),
            self.get_table_data(),
            default_sort=self.default_sort,
            per_page=self.page_size(),
            **kwargs,
        )
        return table

    def panel_context(self) -> dict:
        """The filter panel's filters (shown, and offered by "Add filter") and the active ones."""
        shown, addable = self.filterset.groups(self.request.GET, add=self.request.GET.get("add", ""))
        for group in shown:
            group.remove_url = without_params(self.request, *(field.name for field in group.fields))
        return {
            "size_form": self.size_form,
            "filter_groups": shown,
            "addable_filters": addable,
            "active_filters": [group for group in shown if group.active],
            "clear_url": self.request.path,
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            table_target=self.table_target,
            noun=self.noun,
            filter_label=self.filter_label,
            list_note=self.list_note,
            filter_template=self.filter_template,
            table_template=self.table_template,
            list_actions=self.list_actions,
            empty_text=self.empty_text,
            empty_icon=self.empty_icon,
            filter_errors=filter_errors(getattr(self, "filterset", None)),
            **self.panel_context(),
        )
        mark_invalid(getattr(self, "filterset", None))
        if context.get("table") is not None:
            count, more = capped_count(self.object_list)
            context.update(
                row_count=count,
                row_count_label=count_label(count, more),
                row_noun=counted_noun(count, more, self.noun, self.noun_singular),
            )
        return context
