using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AptP2P.Tests.Api;

/// <summary>
/// The real host in memory (TestServer) with its own data directory and no DHT bootstrap routers. A request may pretend to
/// come from another address with the <see cref="RemoteAddressHeader"/> header (the in-memory server has none of its own).
/// </summary>
public sealed class ApiFactory : WebApplicationFactory<Program>
{
    public const string RemoteAddressHeader = "X-Test-Remote-Address";

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("aptp2p-api-").FullName;

    public string SettingsPath => Path.Combine(DataDirectory, "settings.json");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("AptP2P:DataDirectory", DataDirectory);
        builder.UseSetting("AptP2P:Port", "0");
        builder.UseSetting("AptP2P:BindAddress", "127.0.0.1");
        builder.UseSetting("AptP2P:Dht:BootstrapNodes", "");
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, RemoteAddressFromHeader>());
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort, as for AptP2PNode: a file written while the host stopped (database, DHT state) goes with /tmp later.
        }
    }

    private sealed class RemoteAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Headers.TryGetValue(RemoteAddressHeader, out var value) && IPAddress.TryParse(value, out var address))
                    context.Connection.RemoteIpAddress = address;
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
