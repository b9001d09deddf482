"""Word lists the synthetic seed draws its names, texts and scores from.

Data only, so the generator reads as steps and the lists can grow without touching it.
"""

from __future__ import annotations

PREFIXES = [
    "Nor", "Sou", "Ester", "Wes", "Val", "Mar", "Kor", "Ald", "Bel", "Cal", "Dor", "Fen",
    "Gal", "Har", "Ist", "Jor", "Kel", "Lun", "Mir", "Nav", "Oster", "Pel", "Quar", "Ros",
    "Sar", "Tal", "Ul", "Ver", "Zan", "Brim",
]  # fmt: skip
SUFFIXES = ["land", "ia", "stan", "ora", "mark", "avia", "eth", "onia", "ino", "ara"]
QUALIFIERS = ["", "North ", "South ", "East ", "West ", "Upper ", "Lower "]
TIMEZONES = [
    "Asia/Phnom_Penh", "Asia/Kabul", "Asia/Baghdad", "Africa/Luanda", "Africa/Harare",
    "Europe/Sarajevo", "America/Bogota", "Asia/Colombo", "Africa/Khartoum", "Europe/Kyiv",
    "Asia/Bangkok", "Africa/Maputo", "Asia/Aden", "Africa/Tripoli", "UTC",
]  # fmt: skip
OPERATORS = [
    ("CDT", "Clearwater Demining Trust"),
    ("NMAG", "Northstar Mine Action Group"),
    ("HSA", "Humanitarian Survey Alliance"),
    ("OGF", "Open Ground Foundation"),
    ("SPI", "Safe Path International"),
    ("TFC", "Terrafirm Clearance"),
]
FIRST_NAMES = [
    "Sokha", "Dara", "Amina", "Lucas", "Mei", "Omar", "Ines", "Tomas", "Nadia", "Pavel",
    "Rosa", "Kofi", "Lena", "Arun", "Yara", "Jonas", "Farah", "Hugo", "Sina", "Bopha",
]  # fmt: skip
LAST_NAMES = [
    "Chan", "Mendes", "Okafor", "Ivanova", "Haddad", "Silva", "Nguyen", "Kowalski", "Diallo",
    "Petrov", "Rahimi", "Santos", "Lindqvist", "Ouma", "Keo", "Moreau", "Tanaka", "Bakr",
]  # fmt: skip
VERBS = [
    "should publish", "should update", "should complete", "should establish",
    "should report on", "should prioritise", "should secure funding for",
    "should review", "should accelerate", "should clarify",
]  # fmt: skip
OBJECTS = [
    "its national mine action strategy", "a resource mobilisation plan",
    "the land release data in its annual Article 7 report", "non-technical survey of all",
    "the remaining confirmed hazardous areas", "a gender and diversity policy",
    "the national mine action standards", "its information management system",
    "a sustainable national capacity for residual contamination", "a costed work plan",
    "mine risk education in affected communities", "the quality management system",
]  # fmt: skip
WHEN = [
    "by the end of the year", "within the extension period",
    "before the next meeting of States Parties", "in consultation with operators",
    "with clear annual milestones", "",
]  # fmt: skip
COMMENTS = [
    "Discussed at the monthly coordination meeting.",
    "Draft shared with the operators for comment.",
    "Waiting for the ministry's sign-off.",
    "Funding confirmed for the next phase.",
    "Field teams redeployed to the northern provinces.",
    "Data reconciled with the national database.",
    "Consultant's report received; under review.",
    "Progress slower than planned because of the rainy season.",
]  # fmt: skip
CRITERIA = [
    ("Understanding of the contamination", 20), ("National ownership and programme management", 10),
    ("Gender and diversity", 10), ("Environmental policies and action", 10),
    ("Information management and reporting", 10), ("Planning and tasking", 10),
    ("Land release system", 10), ("Land release outputs and Article 5 compliance", 20),
]  # fmt: skip
