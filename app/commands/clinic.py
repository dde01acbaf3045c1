"""`healthinsight org create|list` and `healthinsight audit verify [--org SLUG]`.

The command line acts as the vault's owner, the platform admin of every organization
it created (the same services the API uses, so the audit chain records it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.commands.common import add_command, print_json
from app.context import AppContext
from app.services.errors import ServiceError

if TYPE_CHECKING:  # the clinic's modules load only for these commands (not for `import`)
    from app.services.auth import Principal
    from app.services.import_views import ImportStatus


def register(sub: argparse._SubParsersAction) -> None:
    org = sub.add_parser("org", help="clinic organizations")
    osub = org.add_subparsers(dest="org_command", metavar="ACTION", required=True)
    create = add_command(osub, "create", help="create an organization (the vault owner "
                         "becomes its owner)", handler=create_org)
    create.add_argument("slug")
    create.add_argument("--name", required=True)
    create.add_argument("--timezone", required=True, help="IANA name, e.g. Europe/Berlin")
    create.add_argument("--type", help="hospital, clinic, practice, ...")
    create.add_argument("--admin-email", help="create an admin with a temporary password")
    create.add_argument("--admin-name")
    create.add_argument("--json", action="store_true", help="print JSON")
    listing = add_command(osub, "list", help="list organizations", handler=list_orgs)
    listing.add_argument("--json", action="store_true", help="print JSON")

    audit = sub.add_parser("audit", help="the audit trail")
    asub = audit.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = add_command(asub, "verify", help="check the hash chain of the audit trail; "
                         "exit 1 naming the first row that does not verify", handler=verify_)
    verify.add_argument("--org", metavar="SLUG", help="only this organization's chain")


def owner_principal(ctx: AppContext) -> Principal | None:
    from app.services.auth import Principal

    owner = ctx.vault.users.owner()
    if owner is None:
        return None
    return Principal(user_id=owner["id"], email=owner["email"], name=owner["name"],
                     is_owner=True, token_kind="cli")


def create_org(args: argparse.Namespace, ctx: AppContext) -> int:
    from app.services.clinic.inputs import AdminUser, OrganizationCreate

    owner = owner_principal(ctx)
    if owner is None:
        print("healthinsight: the vault has no owner yet: add one with `healthinsight user "
              "add`", file=sys.stderr)
        return 1
    try:
        admin = AdminUser(email=args.admin_email, name=args.admin_name) \
            if args.admin_email else None
        body = OrganizationCreate(name=args.name, slug=args.slug, timezone=args.timezone,
                                  type=args.type, admin_user=admin)
        created = ctx.clinic.organizations.create(owner, body)
    except ServiceError as exc:
        print(f"healthinsight: {exc.message}", file=sys.stderr)
        return 1
    except ValueError as exc:  # pydantic's ValidationError
        print(f"healthinsight: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print_json(created.wire())
        return 0
    org = created.organization
    print(f"Created {org.slug} ({org.id}).")
    if created.admin_user is not None:
        print(f"Admin {created.admin_user.email}: temporary password "
              f"{created.admin_user.temporary_password} (shown once; change it at first login)")
    return 0


def list_orgs(args: argparse.Namespace, ctx: AppContext) -> int:
    orgs = ctx.clinic.organizations.list_all()
    if args.json:
        print_json([o.wire() for o in orgs])
        return 0
    for o in orgs:
        print(f"{o.slug:<24} {o.id}  {o.name:<30} {o.timezone:<22} {o.onboarding_status}")
    return 0


def verify_(args: argparse.Namespace, ctx: AppContext) -> int:
    try:
        check = ctx.clinic.audit.verify(slug=args.org)
    except ServiceError as exc:
        print(f"healthinsight: {exc.message}", file=sys.stderr)
        return 1
    if not check.ok:
        where = (f"audit row {check.bad_id} (chain {check.bad_chain or 'platform'}, position "
                 f"{check.bad_seq})" if check.bad_id else
                 f"audit chain {check.bad_chain or 'platform'}")
        print(f"healthinsight: {where} does not verify: {check.reason}; "
              f"{check.checked} rows verified", file=sys.stderr)
        return 1
    print(f"{check.checked} audit rows verified in {check.chains} chain(s).")
    return 0


def clinic_import(ctx: AppContext, files: list[Path], *, slug: str,
                  mrn: str) -> ImportStatus | None:
    """Import `files` as the records of the patient `mrn` of organization `slug`, as the
    vault owner; None (after saying why) when either is unknown."""
    from app.services.clinic.errors import UserNotFound

    owner = owner_principal(ctx)
    try:
        if owner is None:
            raise UserNotFound("the vault has no owner yet: add one with `healthinsight user "
                               "add`")
        org = ctx.clinic.organizations.by_slug(slug)
        access = ctx.clinic.access.resolve(owner, org.id, "manage_patients")
        patient = ctx.clinic.patients.by_mrn(org.id, mrn)
        import_id = ctx.clinic.patients.import_records(access, patient.id, files)
    except ServiceError as exc:
        print(f"healthinsight: {exc.message}", file=sys.stderr)
        return None
    return ctx.imports.wait(import_id, timeout=None, owner_id=None)
