"""A worker for the no-lost-update test: N comment saves on some actions, in its own process.

Run as ``python -m tests.workflow_hammer URL USER_ID TAG N ACTION_ID...``; prints one
JSON line: which saves were applied and how many were reported as conflicts.
"""

from __future__ import annotations

import json
import sys

from tracker.db import create_db_engine, new_session
from tracker.models import Action, User
from tracker.services.workflow import ActionChange, StaleVersion, update_action


def main(argv: list[str]) -> None:
    url, user_id, tag, count, *action_ids = argv
    engine = create_db_engine(url)
    applied: list[str] = []
    conflicts = 0
    for number in range(int(count)):
        action_id = int(action_ids[number % len(action_ids)])
        with new_session(engine) as reader:  # what the person's page showed
            seen = reader.get(Action, action_id).version  # type: ignore[union-attr]
        comment = f"{tag}-{number}"
        with new_session(engine, write=True) as session:
            actor = session.get(User, int(user_id))
            try:
                update_action(session, action_id, actor, seen, ActionChange(comment=comment))  # type: ignore[arg-type]
                session.commit()
                applied.append(comment)
            except StaleVersion:
                session.rollback()
                conflicts += 1
    engine.dispose()
    print(json.dumps({"applied": applied, "conflicts": conflicts}))


if __name__ == "__main__":
    main(sys.argv[1:])
