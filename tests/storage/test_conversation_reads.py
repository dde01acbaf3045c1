"""Conversation reads are cached; every write through the repository shows at once."""

from __future__ import annotations

from storage.vault import Vault


def test_reads_follow_every_write(vault: Vault) -> None:
    repo = vault.conversations
    repo.create_conversation(conversation_id="conv_1", owner_id=None, title="Lipids")
    rows, total = repo.list_conversations(owner_id=None)
    assert total == 1 and rows[0]["query_count"] == 0 and rows[0]["last_query"] is None
    assert repo.get_query(query_id="qry_1", owner_id=None) is None

    repo.add_query(query_id="qry_1", owner_id=None, conversation_id="conv_1", patient_id=None,
                   query="How is my LDL?", complexity="simple", urgent=False, engine="offline")
    rows, total = repo.list_conversations(owner_id=None)
    assert rows[0]["query_count"] == 1 and rows[0]["last_query"] == "How is my LDL?"
    assert repo.get_query(query_id="qry_1", owner_id=None)["status"] == "processing"

    repo.complete_query(query_id="qry_1", owner_id=None, results=[], visualization=None,
                        status="completed")
    assert repo.get_query(query_id="qry_1", owner_id=None)["status"] == "completed"
    assert [q["status"] for q in repo.list_queries(conversation_id="conv_1", owner_id=None)] \
        == ["completed"]
    # Another owner never sees it, cached or not.
    assert repo.get_query(query_id="qry_1", owner_id="usr_other") is None
    assert repo.list_conversations(owner_id="usr_other") == ([], 0)
