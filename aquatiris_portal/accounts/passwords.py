"""Strong generated passwords, easy to read and to type from a phone."""

import secrets

# No look-alikes (0/O, 1/l/I) so that a password read aloud or copied by hand
# stays right.
ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
GROUPS = 4
GROUP_LENGTH = 5  # 20 characters from 57: about 116 bits


def generate_password():
    while True:
        groups = ["".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS)]
        password = "-".join(groups)
        if (
            any(c.isdigit() for c in password)
            and any(c.isupper() for c in password)
            and any(c.islower() for c in password)
        ):
            return password
