"""`healthinsight ask "QUESTION" [--patient ID] [--json] [--offline] [--conversation ID]`.

With --json it prints the insight API's GET /queries/:id data (plus the engine used);
otherwise a readable answer. Several patients and no --patient is a one-line error that
lists the choices.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from app.commands.common import add_command, print_json
from app.context import AppContext
from app.services.errors import ServiceError

if TYPE_CHECKING:  # the medical team's modules load only when a question is asked
    from app.services.query_views import QueryResult


def register(sub: argparse._SubParsersAction) -> None:
    parser = add_command(sub, "ask", help="ask the medical team a question about your records",
                         handler=ask)
    parser.add_argument("question", help='e.g. "What is my cholesterol trend?"')
    parser.add_argument("--patient", help="patient id (needed when the vault holds several)")
    parser.add_argument("--json", action="store_true", help="print the API's query result JSON")
    parser.add_argument("--offline", action="store_true",
                        help="answer without a model (templated prose from the same findings)")
    parser.add_argument("--conversation", metavar="ID",
                        help='continue a conversation, so follow-ups like "and my LDL?" work')


def ask(args: argparse.Namespace, ctx: AppContext) -> int:
    try:
        result = ctx.queries.ask(args.question, patient_id=args.patient, offline=args.offline,
                                 conversation_id=args.conversation)
    except ServiceError as exc:
        choices = (exc.details or {}).get("patients") if isinstance(exc.details, dict) else None
        listed = "; ".join(f"{p['id']} ({p['name']})" for p in choices or [])
        print(f"healthinsight: {exc.message}" + (f": {listed}" if listed else ""),
              file=sys.stderr)
        return 1
    if args.json:
        print_json(result.model_dump(mode="json"))
    else:
        _print_answer(result)
    return 0 if result.status == "completed" else 1


def _print_answer(result: QueryResult) -> None:
    from agents.findings import fmt, plural

    synthesis = result.synthesis
    if synthesis is None:
        print(f"The question did not complete ({result.status}): {result.error}")
        return
    print(synthesis.summary)
    if synthesis.key_findings:
        print("\nKey findings:")
    for f in synthesis.key_findings:
        change = "" if f.change_percentage is None else f", {f.change_percentage:+}%"
        print(f"  - {f.metric}: {fmt(f.current_value, f.unit)} ({f.trend}{change}; "
              f"{plural(f.n or 0, 'result')} {f.first_date} to {f.last_date})")
    for title, items in (("Recommendations", synthesis.recommendations),
                         ("Concerns", synthesis.concerns)):
        if items:
            print(f"\n{title}:")
        for item in items:
            print(f"  - {item}")
    team = ", ".join(f"{s.name} ({s.status})"
                     for s in (result.medical_team.specialists if result.medical_team else []))
    print(f"\nTeam: {team}. Complexity: {result.complexity}. Engine: {result.engine}.")
    print(f"Conversation: {result.conversation_id} (--conversation to follow up)")
    print(synthesis.disclaimer)
