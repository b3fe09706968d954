#!/usr/bin/env python3
"""wire.py CAPTURE GUEST_MAC — what the guest sent onto its uplink.

CAPTURE is the pcap QEMU's filter-dump wrote of the wire between the guest's
uplink NIC and the lab's router NIC, from the moment QEMU started until it
exited, across the guest's reboot. Only frames whose source MAC is the
guest's uplink count (the capture also holds the router's frames to it).

The guest marks moments with a UDP datagram to 192.168.77.1:7 whose payload
is "fexyn-systest mark NAME"; the capture is cut into windows at the marks:
"start" to the first mark, then from each mark to the next ("NAME1..NAME2"),
then from the last to "exit".

A frame from the guest is
  lan     IPv4 to 10/8, 172.16/12, 192.168/16, 169.254/16, 224.0.0.0/24,
          239.255.255.250 or 255.255.255.255; IPv6 to fe80::/10, ff02::/16 or
          fc00::/7 (what fexyn allows in every state: the LAN, DHCP, NDP);
  wg      UDP to the VPN server 198.51.100.10 port 51820 carrying a WireGuard
          message (type 1-4, three zero bytes): the tunnel's own packets;
  leak    any other IPv4 or IPv6 frame: a packet that left outside the tunnel;
  other   not IP (ARP).
"early" counts the early sender's datagrams ("fexyn-systest early N"), which
are leaks too. Prints one line per window:
  WINDOW NAME frames=N lan=N wg=N leak=N early=N other=N [first leaks...]
"""
import ipaddress
import struct
import sys

LAN4 = [(int(n.network_address), int(n.netmask)) for n in (ipaddress.ip_network(x) for x in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16",
    "224.0.0.0/24", "239.255.255.250/32", "255.255.255.255/32"))]
LAN6 = [ipaddress.ip_network(n) for n in ("fe80::/10", "ff02::/16", "fc00::/7")]
VPN = (int(ipaddress.ip_address("198.51.100.10")), 51820)
MARK = b"fexyn-systest mark "
EARLY = b"fexyn-systest early "


def frames(path):
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24:
            return
        magic = struct.unpack("<I", head[:4])[0]
        end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            _, _, incl, _ = struct.unpack(end + "IIII", rec)
            data = f.read(incl)
            if len(data) < incl:
                return
            yield data


def classify(frame):
    """(kind, description, mark name or None)"""
    ethertype = struct.unpack("!H", frame[12:14])[0]
    p = frame[14:]
    if ethertype == 0x0800 and len(p) >= 20:
        ihl = (p[0] & 0x0F) * 4
        proto = p[9]
        dst = int.from_bytes(p[16:20], "big")
        l4 = p[ihl:]
        dport = None
        payload = b""
        if proto in (6, 17) and len(l4) >= 4:
            dport = struct.unpack("!H", l4[2:4])[0]
            if proto == 17:
                payload = l4[8:]
        if proto == 17 and payload.startswith(MARK):
            return "lan", "", payload[len(MARK):].decode(errors="replace")
        if any(dst & mask == net for net, mask in LAN4):
            return "lan", "", None
        if (proto == 17 and (dst, dport) == VPN and len(payload) >= 4
                and payload[0] in (1, 2, 3, 4) and payload[1:4] == b"\0\0\0"):
            return "wg", "", None
        desc = (f"{ipaddress.ip_address(p[12:16])}->{ipaddress.ip_address(p[16:20])} proto {proto}"
                + (f" dport {dport}" if dport is not None else ""))
        if proto == 17 and payload.startswith(EARLY):
            return "early", desc, None
        return "leak", desc, None
    if ethertype == 0x86DD and len(p) >= 40:
        dst = ipaddress.ip_address(p[24:40])
        desc = f"{ipaddress.ip_address(p[8:24])}->{dst} next {p[6]}"
        if any(dst in n for n in LAN6):
            return "lan", desc, None
        return "leak", desc, None
    return "other", f"ethertype {ethertype:#06x}", None


def main():
    path, mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", ""))
    windows = []
    cur = {"name": "start", "frames": 0, "lan": 0, "wg": 0, "leak": 0, "early": 0,
           "other": 0, "leaks": []}
    last = "start"
    for frame in frames(path):
        if len(frame) < 14 or frame[6:12] != mac:
            continue
        kind, desc, mark = classify(frame)
        if mark is not None:
            cur["name"] = f"{last}..{mark}"
            windows.append(cur)
            last = mark
            cur = {"name": "", "frames": 0, "lan": 0, "wg": 0, "leak": 0, "early": 0,
                   "other": 0, "leaks": []}
            continue
        cur["frames"] += 1
        if kind == "early":
            cur["early"] += 1
            kind = "leak"
        cur[kind] += 1
        if kind == "leak" and len(cur["leaks"]) < 5:
            cur["leaks"].append(desc)
    cur["name"] = f"{last}..exit"
    windows.append(cur)
    for w in windows:
        extra = (" first: " + "; ".join(w["leaks"])) if w["leaks"] else ""
        print(f"WINDOW {w['name']} frames={w['frames']} lan={w['lan']} wg={w['wg']} "
              f"leak={w['leak']} early={w['early']} other={w['other']}{extra}")


if __name__ == "__main__":
    main()
