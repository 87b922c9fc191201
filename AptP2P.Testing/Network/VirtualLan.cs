using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace AptP2P.Testing.Network;

/// <summary>
/// A LAN of real machines for tests: one Linux bridge in the test's own namespace and one network namespace per machine,
/// joined to the bridge by a veth pair, with an IPv4 address in a private <c>10.x.y.0/24</c> and an IPv6 one in a ULA
/// <c>fd42:x:y::/64</c>. Each machine has its own loopback, its own port 9977 and a fence (nftables in its namespace) that
/// counts and drops every packet addressed outside the LAN, so no test traffic ever leaves the machine and a test can
/// assert that a node sent nothing outside. The test process itself sits on the bridge at <see cref="HostAddress"/>
/// (where a mirror can listen) and reaches each machine's node there. Needs root, iproute2 and nftables.
/// </summary>
public sealed partial class VirtualLan : IAsyncDisposable
{
    private const string NamespacePrefix = "aptp2p-";
    private const string BridgePrefix = "apb";
    private static int _lans;
    private static int _links;

    private readonly List<LanMachine> _machines = [];
    private readonly int _second;
    private readonly int _third;

    private VirtualLan(string bridgeName, int second, int third, bool ipv6Only)
    {
        BridgeName = bridgeName;
        _second = second;
        _third = third;
        Ipv6Only = ipv6Only;
    }

    public string BridgeName { get; }

    /// <summary>An IPv6-only LAN: no IPv4 address on the bridge or on any machine's link (each still has 127.0.0.1 on its loopback).</summary>
    public bool Ipv6Only { get; }

    /// <summary>The test process's own address on the LAN (the bridge's), e.g. for a mirror the machines reach.</summary>
    public IPAddress HostAddress => AddressOf(254);

    public IPAddress HostAddress6 => Address6Of(254);

    /// <summary>The LAN's IPv4 network, <c>10.x.y.0/24</c>.</summary>
    public string Network4 => $"10.{_second}.{_third}.0/24";

    /// <summary>The LAN's IPv6 network, <c>fd42:x:y::/64</c>.</summary>
    public string Network6 => $"fd42:{_second:x}:{_third:x}::/64";

    public IReadOnlyList<LanMachine> Machines => _machines;

    /// <summary>The address the test process reaches the machines from: <see cref="HostAddress6"/> on an IPv6-only LAN.</summary>
    public IPAddress HostPrimaryAddress => Ipv6Only ? HostAddress6 : HostAddress;

    /// <summary>Makes the bridge; first removes what an earlier test process that died left behind.</summary>
    /// <param name="ipv6Only">No IPv4 on the LAN at all (ULA IPv6 addresses only).</param>
    public static async Task<VirtualLan> CreateAsync(CancellationToken cancellationToken, bool ipv6Only = false)
    {
        NetworkCommands.RequireRoot();
        await RemoveLeftoversAsync(cancellationToken);
        var pid = Environment.ProcessId;
        var number = Interlocked.Increment(ref _lans);
        var lan = new VirtualLan($"{BridgePrefix}{pid:x}.{number:x}", 64 + (pid % 128), number % 256, ipv6Only);
        try
        {
            await NetworkCommands.IpAsync(cancellationToken, "link", "add", lan.BridgeName, "type", "bridge", "mcast_snooping", "0");
            if (!ipv6Only)
                await NetworkCommands.IpAsync(cancellationToken, "addr", "add", $"{lan.HostAddress}/24", "dev", lan.BridgeName);
            await NetworkCommands.IpAsync(cancellationToken, "-6", "addr", "add", $"{lan.HostAddress6}/64", "dev", lan.BridgeName, "nodad");
            await NetworkCommands.IpAsync(cancellationToken, "link", "set", lan.BridgeName, "up");
        }
        catch
        {
            await lan.DisposeAsync();
            throw;
        }
        return lan;
    }

    /// <summary>Adds a machine: a namespace on the bridge with the next address (.1, .2, …).</summary>
    public async Task<LanMachine> AddMachineAsync(CancellationToken cancellationToken)
    {
        var index = _machines.Count + 1;
        var pid = Environment.ProcessId;
        var link = Interlocked.Increment(ref _links);
        var machine = new LanMachine(this, $"{NamespacePrefix}{pid}-{link}", AddressOf(index), Address6Of(index));
        _machines.Add(machine);
        var ns = machine.Namespace;
        var hostSide = $"apv{pid:x}.{link:x}";
        await NetworkCommands.IpAsync(cancellationToken, "netns", "add", ns);
        await NetworkCommands.IpAsync(cancellationToken, "link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns", ns);
        await NetworkCommands.IpAsync(cancellationToken, "link", "set", hostSide, "master", BridgeName, "up");
        await NetworkCommands.IpAsync(cancellationToken, "-n", ns, "link", "set", "lo", "up");
        if (!Ipv6Only)
            await NetworkCommands.IpAsync(cancellationToken, "-n", ns, "addr", "add", $"{machine.Address}/24", "dev", "eth0");
        await NetworkCommands.IpAsync(cancellationToken, "-n", ns, "-6", "addr", "add", $"{machine.Address6}/64", "dev", "eth0", "nodad");
        await NetworkCommands.IpAsync(cancellationToken, "-n", ns, "link", "set", "eth0", "up");
        // A default route on the LAN link: a packet for the outside world is then sent (and met by the fence) instead of
        // failing with "network unreachable" inside the node, which would hide what the node tried to do.
        if (!Ipv6Only)
            await NetworkCommands.IpAsync(cancellationToken, "-n", ns, "route", "add", "default", "dev", "eth0");
        await NetworkCommands.IpAsync(cancellationToken, "-n", ns, "-6", "route", "add", "default", "dev", "eth0");
        await machine.RaiseFenceAsync(cancellationToken);
        return machine;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var machine in _machines)
            await machine.DisposeAsync();
        await NetworkCommands.IpUncheckedAsync("link", "del", BridgeName);
    }

    public override string ToString() => $"LAN {Network4} / {Network6} on bridge {BridgeName}: {string.Join(", ", _machines)}";

    internal IPAddress AddressOf(int index) => new([10, (byte)_second, (byte)_third, (byte)index]);

    internal IPAddress Address6Of(int index) =>
        IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"fd42:{_second:x}:{_third:x}::{index:x}"));

    /// <summary>Namespaces and bridges named after a test process that no longer runs (a test run killed midway).</summary>
    private static async Task RemoveLeftoversAsync(CancellationToken cancellationToken)
    {
        var namespaces = await NetworkCommands.IpAsync(cancellationToken, "netns", "list");
        foreach (Match match in LeftoverNamespace().Matches(namespaces.StandardOutput))
        {
            if (!IsRunning(int.Parse(match.Groups["pid"].Value, CultureInfo.InvariantCulture)))
                await NetworkCommands.IpUncheckedAsync("netns", "del", match.Groups["name"].Value);
        }
        var bridges = await NetworkCommands.IpAsync(cancellationToken, "-o", "link", "show", "type", "bridge");
        foreach (Match match in LeftoverBridge().Matches(bridges.StandardOutput))
        {
            if (!IsRunning(int.Parse(match.Groups["pid"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture)))
                await NetworkCommands.IpUncheckedAsync("link", "del", match.Groups["name"].Value);
        }
    }

    private static bool IsRunning(int pid) => Directory.Exists($"/proc/{pid}");

    [GeneratedRegex(@"^(?<name>aptp2p-(?<pid>\d+)-\d+)", RegexOptions.Multiline)]
    private static partial Regex LeftoverNamespace();

    [GeneratedRegex(@"^\d+: (?<name>apb(?<pid>[0-9a-f]+)\.[0-9a-f]+):", RegexOptions.Multiline)]
    private static partial Regex LeftoverBridge();
}
