using AptP2P.Web.Hosting;

var app = AptP2PHost.Build(args);
await app.RunAsync();

/// <summary>Visible to the test project's WebApplicationFactory.</summary>
public partial class Program;
