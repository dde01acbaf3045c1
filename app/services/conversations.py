"""The conversation half of QueryService: listing, creating and reading conversations and
the charts their answers produced, as the insight API's frozen shapes
(app/services/conversation_views.py)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from app.services import conversation_views as views
from app.services.budget import QueryBudget
from app.services.errors import NotFound, ValidationFailed
from app.services.query_views import SubmittedQuery
from storage.repos.conversations import ConversationRepository


def title_of(question: str) -> str:
    """A conversation's automatic title: its first question, shortened."""
    text = " ".join(question.split())
    return text if len(text) <= 60 else text[:57].rstrip() + "..."


PAGES_KEPT = 256


class ConversationViews:
    """Mixed into QueryService, which provides `repo`, `submit`, `_patient` and an empty
    `_pages`."""

    repo: ConversationRepository
    budget: QueryBudget
    submit: Callable[..., SubmittedQuery]
    _patient: Callable[[str | None, str | None], str]
    # Pages built from the repository's cached reads, by their arguments: a page is
    # reused while the repository returns the very read it was built from (the same
    # object: it caches until its next write), so a busy list costs no model building.
    _pages: dict[tuple[Any, ...], tuple[object, views.ConversationPage]]

    def list_conversations(self, *, owner_id: str | None, page: int = 1, limit: int = 20,
                           sort_by: str = "date", order: str = "desc"
                           ) -> views.ConversationPage:
        if page < 1 or not 1 <= limit <= 100:
            raise ValidationFailed("page must be >= 1 and limit between 1 and 100",
                                   {"page": page, "limit": limit})
        if sort_by not in ("date", "title") or order not in ("asc", "desc"):
            raise ValidationFailed("sort_by must be date or title, order asc or desc",
                                   {"sort_by": sort_by, "order": order})
        key = (owner_id, page, limit, sort_by, order)
        found = self.repo.list_conversations(owner_id=owner_id, page=page, limit=limit,
                                             sort_by=sort_by, order=order)
        made = self._pages.get(key)
        if made is not None and made[0] is found:  # the repository's cached read: same page
            return made[1]
        rows, total = found
        built = views.ConversationPage(
            conversations=[views.conversation_summary(r) for r in rows],
            pagination=views.Pagination(page=page, limit=limit, total=total,
                                        pages=(total + limit - 1) // limit))
        if len(self._pages) > PAGES_KEPT:
            self._pages.clear()
        self._pages[key] = (found, built)
        return built

    def create_conversation(self, *, owner_id: str | None, title: str | None = None,
                            first_query: str | None = None) -> views.ConversationCreated:
        """A new conversation; with `first_query`, that question is submitted in it."""
        if title is not None and not title.strip():
            raise ValidationFailed("the title is empty", {"field": "title"})
        if first_query is not None:  # fail before anything is created
            if not first_query.strip():
                raise ValidationFailed("the first query is empty", {"field": "first_query"})
            self._patient(owner_id, None)
            self.budget.check(owner_id)  # no conversation is made for a refused question
        conversation_id = f"conv_{secrets.token_hex(8)}"
        self.repo.create_conversation(
            conversation_id=conversation_id, owner_id=owner_id,
            title=(title or "").strip() or (title_of(first_query) if first_query else
                                            "New conversation"))
        created = (self.submit(first_query, owner_id=owner_id, conversation_id=conversation_id)
                   if first_query else None)
        row = self.repo.get_conversation(conversation_id=conversation_id, owner_id=owner_id)
        assert row is not None
        summary = views.conversation_summary(row | {"query_count": 1 if created else 0,
                                                    "last_query": first_query})
        if created is None:
            return views.ConversationCreated(**dict(summary))
        return views.ConversationCreated(**dict(summary), first_query=created)

    def get_conversation(self, conversation_id: str, *, owner_id: str | None
                         ) -> views.ConversationDetail | None:
        row = self.repo.get_conversation(conversation_id=conversation_id, owner_id=owner_id)
        if row is None:
            return None
        return views.conversation_view(row, self.repo.list_queries(
            conversation_id=conversation_id, owner_id=owner_id))

    def search_conversations(self, text: str, *, owner_id: str | None,
                             limit: int = 100) -> list[views.ConversationSummary]:
        """Conversations whose title or any question contains `text` (any case), newest
        first; all of them (up to `limit`) for an empty text."""
        rows, _ = self.repo.list_conversations(owner_id=owner_id, limit=limit,
                                               search=text.strip() or None)
        return [views.conversation_summary(r) for r in rows]

    def rename_conversation(self, conversation_id: str, title: str, *,
                            owner_id: str | None) -> None:
        title = " ".join(title.split())
        if not title:
            raise ValidationFailed("the title is empty", {"field": "title"})
        if len(title) > 200:
            raise ValidationFailed("the title is longer than 200 characters",
                                   {"field": "title"})
        if not self.repo.rename_conversation(conversation_id=conversation_id,
                                             owner_id=owner_id, title=title):
            raise NotFound("this conversation is no longer in the vault")

    def delete_conversation(self, conversation_id: str, *, owner_id: str | None) -> None:
        """The conversation with every question, answer and chart in it."""
        if not self.repo.delete_conversation(conversation_id=conversation_id,
                                             owner_id=owner_id):
            raise NotFound("this conversation is no longer in the vault")

    def get_visualization(self, viz_id: str, *, owner_id: str | None
                          ) -> views.Visualization | None:
        row = self.repo.get_visualization(viz_id=viz_id, owner_id=owner_id)
        return views.visualization_view(row) if row else None

