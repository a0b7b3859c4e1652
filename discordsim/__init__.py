"""discordsim: a local, faithful stand-in for the part of Discord FightRise talks to."""
