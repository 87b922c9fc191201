using AptP2P.Web.Cli;
using AptP2P.Web.Hosting;

if (await new CommandLine(Console.Out, Console.Error).TryRunAsync(args) is { } exitCode)
    return exitCode;

var app = AptP2PHost.Build(args);
await app.RunAsync();
return 0;

/// <summary>Visible to the test project's WebApplicationFactory.</summary>
public partial class Program;
