import { strict as assert } from "node:assert";
import { decide, type FindingDetail } from "../functions/response/ladder";
import { ConfigError, parseStackConfig } from "../stacks/config";
import { readStackConfigValues } from "../tools/plan-runtime";
import { MEMBER, PUBLIC_IP, finding, ladderSettings, maliciousCaller, type Json } from "./helpers/response";

/*
 * The ladder rules on real GuardDuty finding events (test/fixtures/guardduty-events.json, each with its public
 * source), changed only where a test says so, with settings parsed from a stack's config as a user writes it.
 */

const settings = ladderSettings;

describe("the response ladder", () => {
    it("notifies by default: a configured section with no modes describes the action and changes nothing", () => {
        const [decision] = decide(maliciousCaller(), settings());
        assert.equal(decision.action, "blockRemoteAddress");
        assert.equal(decision.verdict, "notify");
        assert.deepEqual(decision.target, {
            action: "blockRemoteAddress",
            addresses: [PUBLIC_IP],
            subnets: [maliciousCaller().resource?.instanceDetails?.networkInterfaces?.[0].subnetId],
        });
    });

    it("takes each rung's mode as configured: off skips with the reason, dry-run and act are kept", () => {
        for (const mode of ["dry-run", "act"] as const) {
            const [d] = decide(maliciousCaller(), settings({ blockRemoteAddress: { mode } }));
            assert.equal(d.verdict, mode);
        }
        const [off] = decide(maliciousCaller(), settings({ blockRemoteAddress: { mode: "off" } }));
        assert.deepEqual(off, {
            action: "blockRemoteAddress",
            mode: "off",
            verdict: "skip",
            reason: "blockRemoteAddress.mode is off",
        });
    });

    it("answers only the finding types each rung lists, in ladder order", () => {
        assert.deepEqual(decide(finding("UnauthorizedAccess:EC2/SSHBruteForce"), settings()), []);
        const both = settings({
            blockRemoteAddress: { findingTypes: ["UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"] },
            isolateInstance: { findingTypes: ["UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"] },
        });
        assert.deepEqual(
            decide(maliciousCaller(), both).map((d) => d.action),
            ["blockRemoteAddress", "isolateInstance"],
        );
    });

    it("skips below the rung's minSeverity, at it acts; archived findings are skipped", () => {
        const act = settings({ blockRemoteAddress: { mode: "act", minSeverity: 5 } });
        assert.equal(decide(maliciousCaller(), act)[0].verdict, "act");
        const low = decide(
            maliciousCaller((d) => (d.severity = 4.9)),
            act,
        )[0];
        assert.equal(low.reason, "severity 4.9 is below minSeverity 5");
        const archived = maliciousCaller((d) => {
            if (d.service) d.service.archived = true;
        });
        assert.equal(decide(archived, act)[0].reason, "the finding is archived");
    });

    it("never acts in the management or security account, an exempt account, or an exempt OU", () => {
        const act = { blockRemoteAddress: { mode: "act" } };
        const reasonIn = (account: string, extra: Json = {}, ous?: string[]) =>
            decide(
                maliciousCaller((d) => (d.accountId = account)),
                settings({ ...act, ...extra }),
                { accountOus: ous },
            )[0].reason;
        assert.equal(
            reasonIn("111111111111"),
            "account 111111111111 is never acted on: the management account",
        );
        assert.match(reasonIn("222222222222") ?? "", /never acted on: the security account/);
        assert.equal(
            reasonIn(MEMBER, { exemptAccounts: [MEMBER] }),
            `account ${MEMBER} is exempt (remediation.exemptAccounts)`,
        );
        const ous = { exemptOrganizationalUnits: ["ou-ab12-sandbox1"] };
        assert.equal(
            reasonIn(MEMBER, ous, ["ou-ab12-team0001", "ou-ab12-sandbox1"]),
            `account ${MEMBER} is in ou-ab12-sandbox1 (remediation.exemptOrganizationalUnits)`,
        );
        assert.equal(reasonIn(MEMBER, ous, ["ou-ab12-team0001"]), undefined);
        assert.match(reasonIn(MEMBER, ous) ?? "", /could not read which OUs account 444444444444 is in/);
    });

    it("spares an instance tagged with the exempt tag, key and value both", () => {
        const tagged = (key: string, value: string) =>
            maliciousCaller((d) => {
                const details = d.resource?.instanceDetails;
                assert.ok(details);
                details.tags = [...(details.tags ?? []), { key, value }];
            });
        const act = settings({ blockRemoteAddress: { mode: "act" } });
        assert.equal(
            decide(tagged("security-governance:remediation", "exempt"), act)[0].reason,
            "the instance is tagged security-governance:remediation=exempt (remediation.exemptTag)",
        );
        assert.equal(decide(tagged("security-governance:remediation", "no"), act)[0].verdict, "act");
        const custom = settings({ blockRemoteAddress: { mode: "act" }, exemptTag: "Owner=forensics" });
        assert.match(decide(tagged("Owner", "forensics"), custom)[0].reason ?? "", /tagged Owner=forensics/);
    });

    it("blocks only public remote addresses, and needs a subnet", () => {
        const act = settings({ blockRemoteAddress: { mode: "act" } });
        const privateIp = maliciousCaller((d) => {
            const ip = d.service?.action?.networkConnectionAction?.remoteIpDetails;
            if (ip) ip.ipAddressV4 = "10.1.2.3";
        });
        assert.equal(
            decide(privateIp, act)[0].reason,
            "no public remote address to block: 10.1.2.3 is private (RFC 1918)",
        );
        const noSubnet = maliciousCaller((d) => {
            for (const ni of d.resource?.instanceDetails?.networkInterfaces ?? []) delete ni.subnetId;
        });
        assert.equal(decide(noSubnet, act)[0].reason, "the finding names no subnet of the instance");
    });

    it("isolates crypto-mining instances: one VPC, every network interface", () => {
        const mining = finding("CryptoCurrency:EC2/BitcoinTool.B!DNS");
        const [d] = decide(mining, settings({ isolateInstance: { mode: "dry-run" } }));
        const details = mining.resource?.instanceDetails;
        assert.deepEqual(d.target, {
            action: "isolateInstance",
            instanceId: details?.instanceId,
            networkInterfaces: (details?.networkInterfaces ?? []).map((n) => n.networkInterfaceId).sort(),
            vpcId: details?.networkInterfaces?.[0].vpcId,
        });
        const notInstance = finding("CryptoCurrency:EC2/BitcoinTool.B!DNS", (f) => {
            if (f.resource) f.resource.resourceType = "EKSCluster";
        });
        assert.match(
            decide(notInstance, settings())[0].reason ?? "",
            /resource is EKSCluster, not an EC2 instance/,
        );
    });

    it("contains an IAM user's key or a role's sessions, never a service-linked role or its own", () => {
        const exfiltration = (userType: string, userName: string) =>
            finding("Recon:IAMUser/MaliciousIPCaller.Custom", (d) => {
                d.type = "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS";
                d.severity = 8;
                const key = d.resource?.accessKeyDetails;
                assert.ok(key);
                key.userType = userType;
                key.userName = userName;
            });
        const s = settings({ containCredentials: { mode: "act" } });
        const [user] = decide(exfiltration("IAMUser", "ci-deployer"), s);
        assert.equal(user.target?.action, "containCredentials");
        assert.ok(user.target && "accessKeyId" in user.target && user.target.accessKeyId.length > 0);
        assert.deepEqual(decide(exfiltration("AssumedRole", "app-role"), s)[0].target, {
            action: "containCredentials",
            kind: "roleSessions",
            roleName: "app-role",
        });
        assert.match(
            decide(exfiltration("AssumedRole", "AWSServiceRoleForECS"), s)[0].reason ?? "",
            /service-linked role/,
        );
        assert.match(
            decide(exfiltration("AssumedRole", "security-governance-responder"), s)[0].reason ?? "",
            /the responder's own role/,
        );
        assert.match(decide(exfiltration("Root", "root"), s)[0].reason ?? "", /credentials of type Root/);
    });

    it("closes every bucket a public-exposure finding names", () => {
        const exposed = finding("Recon:IAMUser/MaliciousIPCaller.Custom", (d) => {
            d.type = "Policy:S3/BucketAnonymousAccessGranted";
            d.resource = {
                resourceType: "S3Bucket",
                s3BucketDetails: [{ name: "b-two" }, { name: "b-one" }],
            };
        });
        assert.deepEqual(decide(exposed, settings())[0].target, {
            action: "blockPublicBucket",
            buckets: ["b-one", "b-two"],
        });
    });

    it("skips, with the reason, a finding whose fields are missing, and never throws on one", () => {
        const all = settings({
            blockRemoteAddress: {
                mode: "act",
                findingTypes: ["UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"],
            },
            isolateInstance: {
                mode: "act",
                findingTypes: ["UnauthorizedAccess:EC2/MaliciousIPCaller.Custom"],
            },
        });
        const reasons = (edit: (d: FindingDetail & Json) => void) =>
            decide(maliciousCaller(edit), all).map((d) => d.reason ?? d.verdict);
        assert.deepEqual(
            reasons((d) => delete d.service),
            ["the finding names no remote address (not a network connection or port probe)", "act"],
        );
        assert.deepEqual(
            reasons((d) => delete d.accountId),
            ["the finding names no account", "the finding names no account"],
        );
        assert.deepEqual(
            reasons((d) => delete d.severity),
            ["severity (missing) is below minSeverity 4", "severity (missing) is below minSeverity 4"],
        );
        assert.deepEqual(
            reasons((d) => delete d.resource),
            [
                "the finding names no subnet of the instance",
                "the finding's resource is (missing), not an EC2 instance",
            ],
        );
        assert.deepEqual(
            reasons((d) => {
                if (d.resource?.instanceDetails) delete d.resource.instanceDetails.instanceId;
            })[1],
            "the finding's resource is Instance, not an EC2 instance",
        );
        assert.deepEqual(
            reasons((d) => {
                for (const ni of d.resource?.instanceDetails?.networkInterfaces ?? [])
                    delete ni.networkInterfaceId;
            })[1],
            "the instance's network interfaces name 1 VPCs; isolation needs exactly one",
        );
        assert.deepEqual(
            reasons((d) => {
                const nis = d.resource?.instanceDetails?.networkInterfaces ?? [];
                nis.push({ ...nis[0], networkInterfaceId: "eni-other", vpcId: "vpc-other" });
            })[1],
            "the instance's network interfaces name 2 VPCs; isolation needs exactly one",
        );
        assert.deepEqual(decide({}, all), [], "a finding without a type triggers nothing");
    });

    it("takes every port-probe address and IPv6 addresses, and matches the exempt tag by key too", () => {
        const probe = maliciousCaller((d) => {
            if (d.service?.action) {
                d.service.action = {
                    actionType: "PORT_PROBE",
                    portProbeAction: {
                        portProbeDetails: [
                            { remoteIpDetails: { ipAddressV4: "185.220.101.9" } },
                            { remoteIpDetails: { ipAddressV6: "2a00:1450::9" } },
                            { remoteIpDetails: { ipAddressV4: "not-an-ip" } },
                        ],
                    },
                };
            }
        });
        const [d] = decide(probe, settings({ blockRemoteAddress: { mode: "act" } }));
        assert.ok(d.target?.action === "blockRemoteAddress");
        assert.deepEqual(d.target.addresses, ["185.220.101.9", "2a00:1450::9"]);
        const onlyBad = maliciousCaller((f) => {
            const ip = f.service?.action?.networkConnectionAction?.remoteIpDetails;
            if (ip) ip.ipAddressV4 = "not-an-ip";
        });
        assert.equal(
            decide(onlyBad, settings())[0].reason,
            "no public remote address to block: not-an-ip is not an IP address",
        );
        const valueOnly = maliciousCaller((f) => {
            const details = f.resource?.instanceDetails;
            if (details) details.tags = [{ key: "Other", value: "exempt" }];
        });
        assert.equal(decide(valueOnly, settings())[0].verdict, "notify");
    });

    it("needs both the user and the key of an IAMUser finding, and the role of an AssumedRole one", () => {
        const s = settings({ containCredentials: { mode: "act" } });
        const key = (edit: (k: Record<string, unknown>) => void) =>
            finding("Recon:IAMUser/MaliciousIPCaller.Custom", (d) => {
                d.type = "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS";
                d.severity = 8;
                const details = d.resource?.accessKeyDetails as Record<string, unknown>;
                details.userType = "IAMUser";
                edit(details);
            });
        assert.equal(
            decide(
                key((k) => delete k.userName),
                s,
            )[0].reason,
            "the finding names no user or access key",
        );
        assert.equal(
            decide(
                key((k) => delete k.accessKeyId),
                s,
            )[0].reason,
            "the finding names no user or access key",
        );
        const role = key((k) => {
            k.userType = "AssumedRole";
            delete k.userName;
        });
        assert.equal(decide(role, s)[0].reason, "the finding names no role");
        const none = key((k) => delete k.userType);
        assert.match(decide(none, s)[0].reason ?? "", /credentials of type \(missing\)/);
        const bucketless = finding("Recon:IAMUser/MaliciousIPCaller.Custom", (d) => {
            d.type = "Policy:S3/BucketAnonymousAccessGranted";
            d.resource = { resourceType: "S3Bucket", s3BucketDetails: [{}] };
        });
        assert.equal(decide(bucketless, settings())[0].reason, "the finding names no bucket");
    });

    describe("the remediation section of the config", () => {
        function problems(remediation: unknown): string[] {
            try {
                parseStackConfig({
                    ...readStackConfigValues("dev"),
                    "security-governance:remediation": remediation,
                });
            } catch (error) {
                assert.ok(error instanceof ConfigError);
                return error.problems;
            }
            return [];
        }

        it("is off without the section, and fills every rung with notify and the seed's defaults with it", () => {
            assert.equal(parseStackConfig(readStackConfigValues("dev")).remediation, undefined);
            const { remediation } = settings();
            assert.deepEqual(
                [
                    remediation.blockRemoteAddress.mode,
                    remediation.isolateInstance.mode,
                    remediation.containCredentials.mode,
                    remediation.blockPublicBucket.mode,
                ],
                ["notify", "notify", "notify", "notify"],
            );
            assert.deepEqual(remediation.blockRemoteAddress.findingTypes, [
                "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom",
            ]);
            assert.equal(remediation.blockRemoteAddress.expiresAfterHours, 24);
            assert.equal(remediation.isolateInstance.stopInstance, false);
        });

        it("names the key, the value and what is allowed, one line each", () => {
            const NS = "security-governance:remediation";
            const cases: [unknown, string][] = [
                [
                    { blockRemoteAddress: { mode: "auto" } },
                    `${NS}.blockRemoteAddress.mode = "auto": expected one of off, notify, dry-run, act`,
                ],
                [
                    { isolateInstance: { findingTypes: ["Policy:S3/BucketAnonymousAccessGranted"] } },
                    `${NS}.isolateInstance.findingTypes[0] = "Policy:S3/BucketAnonymousAccessGranted": expected a finding type of EC2/ or Runtime/ resources, which isolateInstance acts on`,
                ],
                [
                    { containCredentials: { findingTypes: [] } },
                    `${NS}.containCredentials.findingTypes = []: expected at least one finding type`,
                ],
                [
                    { blockPublicBucket: { minSeverity: 0 } },
                    `${NS}.blockPublicBucket.minSeverity = 0: expected a GuardDuty severity from 1 to 10`,
                ],
                [
                    { blockRemoteAddress: { expiresAfterHours: 1.5 } },
                    `${NS}.blockRemoteAddress.expiresAfterHours = 1.5: expected whole hours from 1 to 720 (30 days)`,
                ],
                [{ exemptTag: "exempt" }, `${NS}.exemptTag = "exempt": expected a tag as "key=value"`],
                [
                    { exemptOrganizationalUnits: ["sandbox"] },
                    `${NS}.exemptOrganizationalUnits[0] = "sandbox": expected an OU ID`,
                ],
                [
                    { isolateInstance: { stopInstance: "yes" } },
                    `${NS}.isolateInstance.stopInstance = "yes": expected true or false`,
                ],
                [
                    { blockRemoteAddress: { mod: "act" } },
                    `${NS}.blockRemoteAddress.mod: unknown key; allowed keys here: mode, findingTypes, minSeverity, organizationalUnits, expiresAfterHours`,
                ],
            ];
            for (const [remediation, expected] of cases) {
                const found = problems(remediation);
                assert.equal(found.length, 1, found.join("\n"));
                assert.ok(found[0].startsWith(expected), `expected\n  ${expected}\ngot\n  ${found[0]}`);
            }
        });
    });
});
