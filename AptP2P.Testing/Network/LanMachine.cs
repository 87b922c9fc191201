using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using AptP2P.Testing.Apt;
using AptP2P.Testing.Machine;
using AptP2P.Testing.Nodes;
using AptP2P.Testing.Repositories;

namespace AptP2P.Testing.Network;

/// <summary>What a machine's fence stopped: packets addressed outside the LAN, and to whom.</summary>
public sealed record OutsideTraffic(long Packets, IReadOnlyList<IPAddress> Destinations)
{
    public override string ToString() =>
        Packets == 0 ? "nothing sent outside the LAN" : $"{Packets} packet(s) outside the LAN, to {string.Join(", ", Destinations)}";
}

/// <summary>
/// One machine of a <see cref="VirtualLan"/>: a network namespace with its own loopback and an <c>eth0</c> on the LAN.
/// Programs run in it through <see cref="CommandPrefix"/> (<c>ip netns exec</c>); its node listens on every address at the
/// default port 9977, as on a real machine, and apt talks to it on 127.0.0.1 inside the namespace.
/// </summary>
public sealed partial class LanMachine : IAsyncDisposable
{
    public const int NodePort = 9977;
    private const string FenceTable = "aptp2p_fence";

    private readonly VirtualLan _lan;

    internal LanMachine(VirtualLan lan, string namespaceName, IPAddress address, IPAddress address6)
    {
        _lan = lan;
        Namespace = namespaceName;
        Address = address;
        Address6 = address6;
    }

    public string Namespace { get; }

    public IPAddress Address { get; }

    public IPAddress Address6 { get; }

    /// <summary>Where other machines and the test reach this one: <see cref="Address6"/> on an IPv6-only LAN, else <see cref="Address"/>.</summary>
    public IPAddress PrimaryAddress => _lan.Ipv6Only ? Address6 : Address;

    /// <summary>This machine's node as <c>address:port</c> at <see cref="PrimaryAddress"/> (<c>[fd42::1]:9977</c> on IPv6).</summary>
    public string NodeEndPoint => new IPEndPoint(PrimaryAddress, NodePort).ToString();

    /// <summary>Runs a program on this machine: <c>ip netns exec &lt;namespace&gt;</c>.</summary>
    public IReadOnlyList<string> CommandPrefix => [NetworkCommands.Ip, "netns", "exec", Namespace];

    /// <summary>
    /// Starts a node on this machine on every address (IPv4 and IPv6, the default <c>::</c>) and port 9977 with
    /// <paramref name="settings"/> (<c>key=value</c>).
    /// Only the test process's address on the bridge may use its proxy and API besides the machine itself; like every test node it
    /// has no bootstrap nodes unless the settings give some.
    /// </summary>
    public Task<NodeProcess> StartNodeAsync(IEnumerable<string> settings, string? dataDirectory = null, CancellationToken cancellationToken = default) =>
        NodeProcess.StartAsync(new NodeProcessOptions
        {
            DataDirectory = dataDirectory,
            BindAddress = "::",
            Port = NodePort,
            CommandPrefix = CommandPrefix,
            ReachableAt = PrimaryAddress.ToString(),
            // The LAN is the test's own: local discovery as a real machine has it.
            LocalDiscovery = true,
            Settings = ["AptP2P:AllowedClients:0=127.0.0.0/8", "AptP2P:AllowedClients:1=::1", $"AptP2P:AllowedClients:2={_lan.HostAddress}/32",
                $"AptP2P:AllowedClients:3={_lan.HostAddress6}/128", .. settings],
        }, cancellationToken);

    /// <summary>A real apt-get on this machine whose sources go through this machine's node to <paramref name="mirror"/> (<c>host:port</c>).</summary>
    /// <param name="overIPv6">Talk to the node on <c>[::1]:9977</c> instead of <c>127.0.0.1:9977</c>.</param>
    public AptClient CreateAptClient(DebianRepository repository, string mirror, bool overIPv6 = false) =>
        new(repository, new Uri($"http://{(overIPv6 ? "[::1]" : "127.0.0.1")}:{NodePort}/{mirror}/")) { CommandPrefix = CommandPrefix };

    /// <summary>What the fence has stopped since the machine was made.</summary>
    public async Task<OutsideTraffic> ReadOutsideTrafficAsync(CancellationToken cancellationToken = default)
    {
        var counter = await NetworkCommands.NftAsync(Namespace, cancellationToken, "list", "counter", "inet", FenceTable, "outside");
        var packets = long.Parse(PacketCount().Match(counter.StandardOutput).Groups[1].Value, CultureInfo.InvariantCulture);
        var destinations = new List<IPAddress>();
        foreach (var set in new[] { "seen4", "seen6" })
        {
            var listed = await NetworkCommands.NftAsync(Namespace, cancellationToken, "list", "set", "inet", FenceTable, set);
            var elements = SetElements().Match(listed.StandardOutput);
            if (!elements.Success)
                continue;
            foreach (var item in elements.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (IPAddress.TryParse(item, out var address))
                    destinations.Add(address);
            }
        }
        return new OutsideTraffic(packets, destinations);
    }

    public override string ToString() => $"{Namespace} ({Address}, {Address6})";

    public async ValueTask DisposeAsync() => await NetworkCommands.IpUncheckedAsync("netns", "del", Namespace);

    /// <summary>Every packet leaving by a link for an address outside the LAN is counted, its destination kept, and dropped.</summary>
    internal async Task RaiseFenceAsync(CancellationToken cancellationToken)
    {
        var rules = $$"""
            table inet {{FenceTable}} {
              counter outside { }
              set seen4 { type ipv4_addr; size 4096; flags dynamic; }
              set seen6 { type ipv6_addr; size 4096; flags dynamic; }
              chain out {
                type filter hook output priority 0; policy accept;
                oifname "lo" accept
                ip daddr { {{_lan.Network4}}, 224.0.0.0/4, 255.255.255.255 } accept
                ip6 daddr { {{_lan.Network6}}, fe80::/10, ff00::/8 } accept
                meta nfproto ipv4 add @seen4 { ip daddr } counter name "outside" drop
                meta nfproto ipv6 add @seen6 { ip6 daddr } counter name "outside" drop
              }
            }

            """;
        await ApplyRulesAsync(rules, "fence", cancellationToken);
    }

    /// <summary>Loads an nftables ruleset into this machine's namespace (from a file: nft reads rulesets whole).</summary>
    private async Task ApplyRulesAsync(string rules, string name, CancellationToken cancellationToken)
    {
        var file = Path.Combine(Path.GetTempPath(), $"{Namespace}.{name}.nft");
        await File.WriteAllTextAsync(file, rules, cancellationToken);
        try
        {
            await NetworkCommands.NftAsync(Namespace, cancellationToken, "-f", file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private const string NatTable = "aptp2p_nat";

    /// <summary>
    /// Puts this machine behind what a NAT or a stateful firewall does to UDP on <paramref name="port"/>: answers to what it
    /// sent come in, nothing else does (conntrack's UDP timeouts set to <paramref name="pinholeSeconds"/> in its namespace,
    /// as a NAT's short pinholes).
    /// </summary>
    public async Task BlockUnsolicitedUdpAsync(int port, int pinholeSeconds, CancellationToken cancellationToken = default)
    {
        var seconds = pinholeSeconds.ToString(CultureInfo.InvariantCulture);
        await ProcessRunner.RunAsync(new ProcessSpec(NetworkCommands.Ip, ["netns", "exec", Namespace, "sysctl", "-q", "-w",
            $"net.netfilter.nf_conntrack_udp_timeout={seconds}", $"net.netfilter.nf_conntrack_udp_timeout_stream={seconds}"]), cancellationToken);
        var rules = $$"""
            table inet {{NatTable}} {
              chain in {
                type filter hook input priority 0; policy accept;
                udp dport {{port}} ct state new counter drop
              }
            }

            """;
        await ApplyRulesAsync(rules, "nat", cancellationToken);
    }

    /// <summary>Takes <see cref="BlockUnsolicitedUdpAsync"/>'s rule away: the port is open again.</summary>
    public Task UnblockUdpAsync(CancellationToken cancellationToken = default) =>
        NetworkCommands.NftAsync(Namespace, cancellationToken, "delete", "table", "inet", NatTable);

    [GeneratedRegex(@"packets (\d+)")]
    private static partial Regex PacketCount();

    [GeneratedRegex(@"elements = \{([^}]*)\}", RegexOptions.Singleline)]
    private static partial Regex SetElements();
}
