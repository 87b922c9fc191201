using AptP2P.Engine.Memory;
using AptP2P.Web.Cli;
using AptP2P.Web.Hosting;

// Before the host starts its threads: they share a few malloc arenas instead of one each.
NativeHeap.LimitArenas();

if (await new CommandLine(Console.Out, Console.Error).TryRunAsync(args) is { } exitCode)
    return exitCode;

var app = AptP2PHost.Build(args);
await app.RunAsync();
return 0;

/// <summary>Visible to the test project's WebApplicationFactory.</summary>
public partial class Program;
