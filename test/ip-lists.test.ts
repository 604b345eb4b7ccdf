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

describe("IP lists", () => {
    it("renders any set of addresses and CIDRs as one canonical entry per line that parses back to the same set", () => {
        fc.assert(
            fc.property(fc.array(entry, { maxLength: 60 }), (entries) => {
                const rendered = renderIpList(entries);
                const lines = rendered.split("\n").filter((line) => line !== "");
                assert.ok(rendered === "" || rendered.endsWith("\n"));
                assert.equal(new Set(lines).size, lines.length, "no duplicate lines");
                const expected = new Set(entries.map((text) => parseIpEntry(text).text));
                assert.deepEqual(new Set(parseIpList(rendered)), expected);
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

    it("refuses text that is not an address", () => {
        for (const bad of ["", "10.0.0", "10.0.0.256", "010.0.0.1", "example.com", "10.0.0.0/33", "::g"]) {
            assert.throws(() => parseIpEntry(bad), IpEntryError, bad);
        }
    });
});
