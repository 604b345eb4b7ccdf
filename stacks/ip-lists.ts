import ipaddr from "ipaddr.js";

/** One entry of a GuardDuty IP list: a single address or a network, in canonical text. */
export interface IpEntry {
    /** Canonical text: a bare address for a single host, `network/prefix` otherwise. */
    readonly text: string;
    readonly kind: "ipv4" | "ipv6";
    readonly prefixLength: number;
}

/** Why an entry was refused; the config loader turns it into a message naming the key. */
export class IpEntryError extends Error {}

/** ipaddr.js 2 writes IPv4 in dotted decimal and IPv6 in RFC 5952 form (lower case, longest zero run compressed). */
function canonicalAddress(address: ipaddr.IPv4 | ipaddr.IPv6): string {
    return address.toString();
}

/**
 * Parses an address or CIDR the way GuardDuty reads a TXT list. A network written with host bits set
 * (10.0.0.1/8) is refused rather than silently widened or narrowed: the author meant something and we
 * cannot tell what.
 */
export function parseIpEntry(raw: string): IpEntry {
    const text = raw.trim();
    if (text.includes("/")) {
        let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
        try {
            parsed = ipaddr.parseCIDR(text);
        } catch {
            throw new IpEntryError(
                "an IPv4 or IPv6 address or CIDR, such as 203.0.113.0/24 or 2001:db8::/32",
            );
        }
        const [address, prefixLength] = parsed;
        const kind = address.kind();
        const width = kind === "ipv4" ? 32 : 128;
        const network =
            kind === "ipv4"
                ? ipaddr.IPv4.networkAddressFromCIDR(text)
                : ipaddr.IPv6.networkAddressFromCIDR(text);
        if (canonicalAddress(network) !== canonicalAddress(address)) {
            throw new IpEntryError(
                `a network address with no host bits set: did you mean ${canonicalAddress(network)}/${prefixLength}?`,
            );
        }
        if (prefixLength === width) {
            return { text: canonicalAddress(address), kind, prefixLength };
        }
        return { text: `${canonicalAddress(address)}/${prefixLength}`, kind, prefixLength };
    }
    if (!ipaddr.isValid(text) || (ipaddr.IPv4.isIPv4(text) && !ipaddr.IPv4.isValidFourPartDecimal(text))) {
        throw new IpEntryError("an IPv4 or IPv6 address or CIDR, such as 203.0.113.7 or 2001:db8::1");
    }
    const address = ipaddr.parse(text);
    return {
        text: canonicalAddress(address),
        kind: address.kind(),
        prefixLength: address.kind() === "ipv4" ? 32 : 128,
    };
}

/** IPv4 before IPv6; then by address, byte by byte; then the wider network first. */
function compareEntries(a: IpEntry, b: IpEntry): number {
    if (a.kind !== b.kind) return a.kind === "ipv4" ? -1 : 1;
    const bytes = (entry: IpEntry) => Buffer.from(ipaddr.parse(entry.text.split("/")[0]).toByteArray());
    return Buffer.compare(bytes(a), bytes(b)) || a.prefixLength - b.prefixLength;
}

/**
 * Renders entries as a GuardDuty TXT list: one canonical entry per line, duplicates removed, IPv4 before
 * IPv6, in address order. Overlapping networks are kept as written: merging them would change what a
 * reviewer reads in the bucket from what the config says.
 */
export function renderIpList(rawEntries: readonly string[]): string {
    const unique = new Map<string, IpEntry>();
    for (const raw of rawEntries) {
        const entry = parseIpEntry(raw);
        unique.set(entry.text, entry);
    }
    const sorted = [...unique.values()].sort(compareEntries);
    return sorted.map((entry) => `${entry.text}\n`).join("");
}

/** Reads a rendered list back into its entries (the inverse of renderIpList on canonical input). */
export function parseIpList(text: string): string[] {
    return text
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line.length > 0 && !line.startsWith("#"))
        .map((line) => parseIpEntry(line).text);
}

/**
 * GuardDuty's trusted and threat lists act on public addresses only (GuardDuty user guide, "Working with
 * trusted IP lists and threat lists"): an entry in one of these ranges, at either end of its network,
 * does nothing there and hides a mistake. Ranges as ipaddr.js classifies them (RFC 6890 and its
 * successors); documentation ranges ("reserved") stay allowed for examples.
 */
const NON_PUBLIC_RANGES: Record<string, string> = {
    unspecified: "the unspecified address",
    broadcast: "the broadcast address",
    multicast: "multicast",
    linkLocal: "link-local",
    loopback: "loopback",
    carrierGradeNat: "shared address space (RFC 6598)",
    private: "private (RFC 1918)",
    uniqueLocal: "unique local (RFC 4193)",
    ipv4Mapped: "an IPv4-mapped IPv6 address",
};

/** Why an entry is not a public address or network, or undefined when it is one. */
export function nonPublicReason(entry: IpEntry): string | undefined {
    const [address, prefix] = entry.text.split("/");
    const first = ipaddr.parse(address);
    const last =
        prefix === undefined
            ? first
            : entry.kind === "ipv4"
              ? ipaddr.IPv4.broadcastAddressFromCIDR(entry.text)
              : ipaddr.IPv6.broadcastAddressFromCIDR(entry.text);
    for (const end of [first, last]) {
        const reason = NON_PUBLIC_RANGES[end.range()];
        if (reason !== undefined) return `${entry.text} is ${reason}`;
    }
    return undefined;
}

/** How many lines `renderIpList` would write: entries counted once, in canonical form. */
export function distinctEntries(rawEntries: readonly string[]): number {
    const texts = new Set<string>();
    for (const raw of rawEntries) {
        try {
            texts.add(parseIpEntry(raw).text);
        } catch {
            // Unparseable entries are reported on their own; they do not count.
        }
    }
    return texts.size;
}

/** Whether network `outer` contains `inner` (an address or a network of the same family). */
export function contains(outer: IpEntry, inner: IpEntry): boolean {
    if (outer.kind !== inner.kind || inner.prefixLength < outer.prefixLength) return false;
    const [address] = inner.text.split("/");
    const [network] = outer.text.split("/");
    return ipaddr.parse(address).match(ipaddr.parse(network), outer.prefixLength);
}
