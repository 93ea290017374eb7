"""Settings of the load benchmark's site (bench/load.py): the freshness
benchmark's (production settings, the push secret from the environment)
with the client-reply mail window cut from 5 minutes to 1, so that the
mails of the last replies go out soon after the load ends; their delayed
messages still wait in Redis when it restarts."""

from bench.freshness_settings import *  # noqa: F401,F403

AQUATIRIS_PORTAL_REPLY_MAIL_WINDOW_MINUTES = 1
