"""Reminder e-mails: the pure policy, planning into the outbox, delivery, the scheduler.

``policy`` decides which thresholds are reached (no database); ``planner`` turns them
into outbox lines exactly once; ``delivery`` sends the outbox at least once;
``tick`` runs one of each; ``scheduler`` runs ticks in their own process.
"""

from .heartbeat import HeartbeatStatus, configured_interval, scheduler_heartbeat

__all__ = ["HeartbeatStatus", "configured_interval", "scheduler_heartbeat"]
