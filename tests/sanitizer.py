"""Whether this process runs under AddressSanitizer (tools/sanitize.sh
preloads libasan): memory measurements, and limits on the address space,
mean nothing there, since ASan keeps a quarantine and reserves terabytes
of shadow memory."""


def _sanitized():
    try:
        with open("/proc/self/maps") as maps:
            return "libasan" in maps.read()
    except OSError:
        return False


SANITIZED = _sanitized()
