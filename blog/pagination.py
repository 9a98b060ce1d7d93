"""Pages of the newest posts that never count them all.

Django's paginator counts the whole list to say "page 2 of 40". On the home page, with
10,000 posts, that count cost more than everything else the page does, and grew with the
blog. A page here reads one post past its end instead, to know whether an older page
follows: the home page costs the same with 100 posts or 10,000.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.utils.translation import gettext_lazy as _

# Past any blog's last page; beyond 2**63 the database's OFFSET overflows.
MAX_PAGE = 1_000_000


class UncountedPage(Page):
    def __init__(self, object_list, number: int, paginator: Paginator, has_next: bool):
        super().__init__(object_list, number, paginator)
        self._has_next = has_next

    def has_next(self) -> bool:
        return self._has_next


class UncountedPaginator(Paginator):
    """A paginator whose pages know their neighbours but not how many pages there are.

    `count` and `num_pages` still work (and count): only `page()` does without them. No
    orphans: a last page of one post stays a page of its own.
    """

    uncounted = True

    def validate_number(self, number) -> int:
        try:
            number = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger(_("That page number is not an integer")) from error
        if number < 1:
            raise EmptyPage(_("That page number is less than 1"))
        if number > MAX_PAGE:
            raise EmptyPage(_("That page contains no results"))
        return number

    def page(self, number) -> UncountedPage:
        number = self.validate_number(number)
        start = (number - 1) * self.per_page
        rows = list(self.object_list[start : start + self.per_page + 1])
        if not rows and (number > 1 or not self.allow_empty_first_page):
            raise EmptyPage(_("That page contains no results"))
        return UncountedPage(rows[: self.per_page], number, self, len(rows) > self.per_page)
