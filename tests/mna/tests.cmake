# Issue 15: the M&A transition (tests carry the label mna; each check names its clause, "§15.N: ...").
# Several engineers add tests here: add your lines under your own comment, keep the others'.
