import { strict as assert } from "node:assert";
import fc from "fast-check";
import ipaddr from "ipaddr.js";
import { IpEntryError, parseIpEntry, parseIpList, renderIpList } from "../stacks/ip-lists";

/** A network with its host bits cleared, as text, for any prefix length. */
const ipv4Network = fc
    .tuple(fc.array(fc.nat(255), { minLength: 4, maxLength: 4 }), fc.integer({ min: 1, max: 32 }))
    .map(([bytes, prefix]) => {
        const text = `${bytes.join(".")}/${prefix}`;
        return `${ipaddr.IPv4.networkAddressFromCIDR(text).toString()}/${prefix}`;
    });
const ipv6Network = fc
    .tuple(fc.array(fc.nat(255), { minLength: 16, maxLength: 16 }), fc.integer({ min: 1, max: 128 }))
    .map(([bytes, prefix]) => {
        const text = `${ipaddr.fromByteArray(bytes).toString()}/${prefix}`;
        return `${ipaddr.IPv6.networkAddressFromCIDR(text).toString()}/${prefix}`;
    });
const ipv4Address = fc.array(fc.nat(255), { minLength: 4, maxLength: 4 }).map((bytes) => bytes.join("."));
const ipv6Address = fc
    .array(fc.nat(255), { minLength: 16, maxLength: 16 })
    .map((bytes) => ipaddr.fromByteArray(bytes).toString());
const entry = fc.oneof(ipv4Address, ipv6Address, ipv4Network, ipv6Network);

/** `<fully expanded address>/<prefix>`, by ipaddr.js alone: a bare address is its /32 or /128. */
function normalForm(text: string): string {
    const [address, prefix] = text.includes("/") ? ipaddr.parseCIDR(text) : [ipaddr.parse(text), undefined];
    const width = address.kind() === "ipv4" ? 32 : 128;
    return `${address.toNormalizedString()}/${prefix ?? width}`;
}

describe("IP lists", () => {
    it("renders any set of addresses and CIDRs as one canonical entry per line that parses back to the same set", () => {
        fc.assert(
            fc.property(fc.array(entry, { maxLength: 60 }), (entries) => {
                const rendered = renderIpList(entries);
                const lines = rendered.split("\n").filter((line) => line !== "");
                assert.ok(rendered === "" || rendered.endsWith("\n"));
                assert.equal(new Set(lines).size, lines.length, "no duplicate lines");
                // The oracle is ipaddr.js's full normal form, not the parser's own output: the same set of
                // networks, whatever canonical spelling the renderer chose.
                assert.deepEqual(new Set(lines.map(normalForm)), new Set(entries.map(normalForm)));
                assert.deepEqual(parseIpList(rendered), lines);
                for (const line of lines)
                    assert.equal(parseIpEntry(line).text, line, "every line is canonical");
                assert.equal(renderIpList(lines), rendered, "rendering is idempotent");
            }),
        );
    });

    it("keeps overlapping networks as written instead of merging them", () => {
        const rendered = renderIpList(["10.0.0.0/8", "10.1.0.0/16", "10.1.2.3"]);
        assert.equal(rendered, "10.0.0.0/8\n10.1.0.0/16\n10.1.2.3\n");
    });

    it("writes a /32 or /128 as the bare address and IPv6 in RFC 5952 form", () => {
        assert.equal(parseIpEntry("198.51.100.7/32").text, "198.51.100.7");
        assert.equal(parseIpEntry("2001:DB8:0:0:0:0:0:1/128").text, "2001:db8::1");
        assert.equal(parseIpEntry("2001:0db8:1200::/40").text, "2001:db8:1200::/40");
    });

    it("refuses a CIDR with host bits set, naming the network that was probably meant", () => {
        fc.assert(
            fc.property(
                ipv4Network.filter((n) => !n.endsWith("/32")),
                fc.nat(255),
                (network, hostByte) => {
                    const [address, prefix] = network.split("/");
                    const bytes = address.split(".").map(Number);
                    bytes[3] =
                        bytes[3] | ((hostByte | 1) & (2 ** (32 - Math.max(Number(prefix), 24)) - 1 || 1));
                    const withHostBits = `${bytes.join(".")}/${prefix}`;
                    if (ipaddr.IPv4.networkAddressFromCIDR(withHostBits).toString() === bytes.join("."))
                        return;
                    assert.throws(
                        () => parseIpEntry(withHostBits),
                        (error: Error) => {
                            assert.ok(error instanceof IpEntryError);
                            assert.match(
                                error.message,
                                new RegExp(`did you mean ${address.replace(/\./g, "\\.")}/${prefix}\\?`),
                            );
                            return true;
                        },
                    );
                },
            ),
        );
    });

    it("refuses text that is not an address, saying what an address looks like", () => {
        for (const bad of ["", "10.0.0", "10.0.0.256", "010.0.0.1", "example.com", "::g"]) {
            assert.throws(
                () => parseIpEntry(bad),
                (error: Error) =>
                    error instanceof IpEntryError &&
                    error.message === "an IPv4 or IPv6 address or CIDR, such as 203.0.113.7 or 2001:db8::1",
                bad,
            );
        }
        for (const bad of ["10.0.0.0/33", "2001:db8::/129", "10.0.0.0/", "example.com/8"]) {
            assert.throws(
                () => parseIpEntry(bad),
                (error: Error) =>
                    error instanceof IpEntryError &&
                    error.message ===
                        "an IPv4 or IPv6 address or CIDR, such as 203.0.113.0/24 or 2001:db8::/32",
                bad,
            );
        }
    });

    it("gives a bare address the prefix of its family: /32 for IPv4, /128 for IPv6", () => {
        assert.deepEqual(parseIpEntry("203.0.113.7"), {
            text: "203.0.113.7",
            kind: "ipv4",
            prefixLength: 32,
        });
        assert.deepEqual(parseIpEntry("2001:db8::7"), {
            text: "2001:db8::7",
            kind: "ipv6",
            prefixLength: 128,
        });
        assert.deepEqual(parseIpEntry("2001:db8::/48"), {
            text: "2001:db8::/48",
            kind: "ipv6",
            prefixLength: 48,
        });
    });

    it("refuses an IPv6 CIDR with host bits set, naming the network that was probably meant", () => {
        const table: [string, string][] = [
            ["2001:db8::1/32", "2001:db8::/32"],
            ["2001:db8:abcd:12::1/48", "2001:db8:abcd::/48"],
            ["fe80::1/10", "fe80::/10"],
            ["::1/127", "::/127"],
            ["2001:DB8:0:0:8000::/64", "2001:db8::/64"],
        ];
        for (const [written, meant] of table) {
            assert.throws(
                () => parseIpEntry(written),
                (error: Error) =>
                    error instanceof IpEntryError && error.message.endsWith(`did you mean ${meant}?`),
                written,
            );
        }
        fc.assert(
            fc.property(
                ipv6Network.filter((n) => !n.endsWith("/128")),
                (network) => {
                    const [address, prefix] = network.split("/");
                    const bytes = ipaddr.parse(address).toByteArray();
                    bytes[15] |= 1; // the last bit is a host bit below /128
                    const withHostBits = `${ipaddr.fromByteArray(bytes).toString()}/${prefix}`;
                    assert.throws(() => parseIpEntry(withHostBits), /did you mean /);
                },
            ),
        );
    });

    it("lists IPv4 before IPv6, each in address order, a network before a host at the same address", () => {
        const rendered = renderIpList([
            "2001:db8::/32",
            "10.0.0.1",
            "::1",
            "192.0.2.0/24",
            "10.0.0.0/8",
            "9.255.255.255",
            "2001:db8::1",
            "10.0.0.0",
            "2001:db7:ffff::/48",
            "2001:db8::",
            "2001:db8::/64",
            "0.0.0.1",
        ]);
        assert.equal(
            rendered,
            [
                "0.0.0.1",
                "9.255.255.255",
                "10.0.0.0/8",
                "10.0.0.0",
                "10.0.0.1",
                "192.0.2.0/24",
                "::1",
                "2001:db7:ffff::/48",
                "2001:db8::/32",
                "2001:db8::/64",
                "2001:db8::",
                "2001:db8::1",
                "",
            ].join("\n"),
        );
    });

    it("trims the spaces, tabs and carriage returns around an entry, and reads back only entries", () => {
        assert.equal(parseIpEntry(" \t203.0.113.7 \r").text, "203.0.113.7");
        assert.equal(parseIpEntry("  2001:db8::/32\t").text, "2001:db8::/32");
        assert.equal(renderIpList([" 198.51.100.7 ", "198.51.100.7"]), "198.51.100.7\n");
        assert.deepEqual(parseIpList("# trusted\r\n203.0.113.0/24\r\n\r\n  198.51.100.7  \n"), [
            "203.0.113.0/24",
            "198.51.100.7",
        ]);
    });
});
