"""`healthinsight user add EMAIL` and `healthinsight token`: local API users and tokens."""

from __future__ import annotations

import argparse
import getpass
import sys

from app.commands.common import add_command, print_json
from app.context import AppContext
from app.services.errors import ServiceError


def register(sub: argparse._SubParsersAction) -> None:
    user = sub.add_parser("user", help="local users of the API")
    usub = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    add = add_command(usub, "add", help="add a user (password read from standard input); "
                      "the vault's first user owns it", handler=add_user)
    add.add_argument("email")
    add.add_argument("--name", help="display name")
    add.add_argument("--org", metavar="SLUG", help="make the user a member of this "
                     "organization (created if missing) for the clinic API")
    add.add_argument("--role", help="role in --org (default: member)")
    add.add_argument("--json", action="store_true", help="print JSON")

    token = add_command(sub, "token", help="print a long-lived personal API token for "
                        "scripts (revocable)", handler=token_)
    token.add_argument("--revoke", metavar="TOKEN_ID", help="revoke a personal token")
    token.add_argument("--list", action="store_true", help="list the owner's personal tokens")


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Repeat it: "):
            raise ValueError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def add_user(args: argparse.Namespace, ctx: AppContext) -> int:
    if args.role and not args.org:
        print("healthinsight: --role needs --org", file=sys.stderr)
        return 1
    try:
        user = ctx.auth.add_user(args.email, _read_password(), name=args.name,
                                 organization_slug=args.org, role=args.role)
    except (ServiceError, ValueError) as exc:
        print(f"healthinsight: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print_json({"id": user.id, "email": user.email, "name": user.name,
                    "is_owner": user.is_owner})
    else:
        owner = " (owner of this vault)" if user.is_owner else ""
        print(f"Added {user.email} as {user.id}{owner}.")
    return 0


def token_(args: argparse.Namespace, ctx: AppContext) -> int:
    try:
        if args.revoke:
            ctx.auth.revoke(args.revoke)
            print(f"Revoked {args.revoke}.")
        elif args.list:
            for made in ctx.auth.personal_tokens():
                state = "revoked" if made.revoked_at else "active"
                print(f"{made.id}  {state}  created {made.created_at:%Y-%m-%d %H:%M}")
        else:
            token_id, token = ctx.auth.personal_token()
            print(token)
            print(f"(token id {token_id}; revoke with `healthinsight token --revoke "
                  f"{token_id}`)", file=sys.stderr)
    except ServiceError as exc:
        print(f"healthinsight: {exc}", file=sys.stderr)
        return 1
    return 0
