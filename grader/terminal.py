"""What reaches a terminal: text that came from a hand-in (its printed output, its error
messages and tracebacks, its folder's name) is shown, never obeyed. A terminal acts on
control characters: ESC starts sequences that set the clipboard (OSC 52), the window
title, move the cursor or clear the screen; CR and BS overwrite what was printed; BEL
rings. Every writer to a terminal passes such text through `visible` (rich's Text keeps
ESC as it is); pages escape HTML instead (report/html.py)."""

import re

# C0 and C1 controls but newline and tab, DEL, and the bidirectional marks and overrides
# that make a line read in another order than it runs ("Trojan Source")
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """`text` with each control character written as its escape: ESC as \\x1b, CR as \\x0d."""
    return CONTROLS.sub(lambda found: escape(found.group()), text)


def escape(character: str) -> str:
    code = ord(character)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
