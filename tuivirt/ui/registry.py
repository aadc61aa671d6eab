"""Every feature the main screen offers, in footer and `?` order: the one module that knows them all.

A feature is a folder (``ui/<name>/`` beside ``backend/ops/<name>/``) whose ``commands.py`` declares
its keys and the helper widgets it mounts (``ui/shared/commands.py``). Adding one is a folder and a
line here. Where one feature needs another's work, it is wired here, so features never import each
other: lifecycle's force-off prompt shuts down through the agent, the hosts screen evacuates through
migration.
"""

from __future__ import annotations

from tuivirt.ui.agent import commands as agent
from tuivirt.ui.clone import commands as clone
from tuivirt.ui.console import commands as console
from tuivirt.ui.create import commands as create
from tuivirt.ui.details import commands as details
from tuivirt.ui.editor import commands as editor
from tuivirt.ui.eventlog import commands as eventlog
from tuivirt.ui.glimpse import commands as glimpse
from tuivirt.ui.health import commands as health
from tuivirt.ui.hosts import commands as hosts
from tuivirt.ui.lifecycle import commands as lifecycle
from tuivirt.ui.migrate import commands as migrate
from tuivirt.ui.networks import commands as networks
from tuivirt.ui.shared.commands import Command, Feature
from tuivirt.ui.snapshots import commands as snapshots
from tuivirt.ui.storage import commands as storage
from tuivirt.ui.tags import commands as tags

FEATURES: tuple[Feature, ...] = (
    lifecycle.feature(shutdown_via_agent=agent.shutdown_via_agent),
    create.FEATURE,
    console.FEATURE,
    editor.FEATURE,
    snapshots.FEATURE,
    clone.FEATURE,
    agent.FEATURE,
    migrate.FEATURE,
    tags.FEATURE,
    glimpse.FEATURE,
    hosts.feature(evacuate=migrate.evacuate),
    health.FEATURE,
    storage.FEATURE,
    networks.FEATURE,
    eventlog.FEATURE,
)

COMMANDS: dict[str, Command] = {command.id: command for f in FEATURES for command in f.commands}
HELPERS = tuple(helper for f in FEATURES for helper in f.helpers)

# What the main screen does besides keys: Enter opens the details, the dock holds the consoles, and a
# feature's question (T's snapshot form) ends in a guest action run by lifecycle.
open_details = details.open_details
console_dock = console.dock
run_action = lifecycle.run_action
