"""One reading of an RFC 5545 invitation for the tests (the reminders'
unit tests and the visits browser test)."""

import re


def parse_ics(data, *, crlf=True):
    """A strict reading: lines of at most 75 octets, folding unfolded,
    BEGIN/END nested and matched, NAME[;PARAMS]:VALUE, one VEVENT with the
    properties an iTIP REQUEST/CANCEL needs. ``crlf``: line ends must be CRLF
    (False after a mail transfer that may have turned them into LF).
    Returns (calendar, event), each {name: (params, value)}."""
    if crlf:
        assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    data = data.replace(b"\r\n", b"\n")
    assert data.endswith(b"\n"), "the last line must end with a line break"
    physical = data[:-1].split(b"\n")
    assert all(len(line) <= 75 for line in physical), [line for line in physical if len(line) > 75]
    logical = []
    for line in physical:
        if line[:1] in (b" ", b"\t"):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    assert logical[0] == b"BEGIN:VCALENDAR" and logical[-1] == b"END:VCALENDAR", (logical[0], logical[-1])
    stack, calendar, events = [], {}, []
    for raw in logical:
        line = raw.decode("utf-8")
        match = re.fullmatch(r"([A-Z-]+)((?:;[A-Z-]+=[^;:]+)*):(.*)", line)
        assert match, line
        name, params, value = match.groups()
        if name == "BEGIN":
            stack.append(value)
            if value == "VEVENT":
                events.append({})
        elif name == "END":
            assert stack.pop() == value, line
        else:
            target = events[-1] if stack[-1] == "VEVENT" else calendar
            assert name not in target, f"{name} twice"
            target[name] = (params, value)
    assert not stack and len(events) == 1, events
    calendar_props, event = calendar, events[0]
    assert calendar_props["VERSION"][1] == "2.0" and "PRODID" in calendar_props
    for required in ("UID", "DTSTAMP", "DTSTART", "SEQUENCE", "SUMMARY", "ORGANIZER"):
        assert required in event, required
    assert re.fullmatch(r"\d{8}T\d{6}Z", event["DTSTAMP"][1])
    return calendar_props, event
