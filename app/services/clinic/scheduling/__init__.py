"""Scheduling: availability from rules and bookings, in the organization's time zone.

The pure engine (no storage): `rules` (settings key ``scheduling``), `localtime`
(wall-time grid and DST), `spans` (interval algebra), `engine` (open time, free slots,
why a start is refused), `clock` (injectable time).
"""
