using AptP2P.Testing.Machine;

namespace AptP2P.Testing.Network;

/// <summary>The <c>ip</c> and <c>nft</c> commands a <see cref="VirtualLan"/> is built with (root only).</summary>
internal static class NetworkCommands
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(20);

    public static string Ip => Prerequisites.Require("ip");

    public static string Nft => Prerequisites.Require("nft");

    /// <summary>Fails loudly when the tests cannot make namespaces here: they need root and iproute2.</summary>
    public static void RequireRoot()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            throw new MissingPrerequisiteException(
                "The network-namespace tests make namespaces, a bridge and veth pairs, which needs root: run `dotnet test` as root (CI does).");
        }
        Prerequisites.RequireAll("ip", "nft");
    }

    public static Task<ProcessResult> IpAsync(CancellationToken cancellationToken, params string[] arguments) =>
        ProcessRunner.RunAsync(new ProcessSpec(Ip, arguments) { Timeout = CommandTimeout }, cancellationToken);

    public static Task<ProcessResult> IpUncheckedAsync(params string[] arguments) =>
        ProcessRunner.RunUncheckedAsync(new ProcessSpec(Ip, arguments) { Timeout = CommandTimeout }, CancellationToken.None);

    /// <summary>Runs <c>nft</c> inside <paramref name="namespaceName"/>.</summary>
    public static Task<ProcessResult> NftAsync(string namespaceName, CancellationToken cancellationToken, params string[] arguments) =>
        ProcessRunner.RunAsync(new ProcessSpec(Ip, ["netns", "exec", namespaceName, Nft, .. arguments]) { Timeout = CommandTimeout }, cancellationToken);
}
