"""The workflow: ``verb_noun`` functions that check the rule, change state and journal it.

Services take a session and never commit: the caller commits once per unit of
work, so a change and its history are stored together or not at all.
"""
