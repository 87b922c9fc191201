using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AptP2P.Tests.Api;

/// <summary>
/// The real host in memory (TestServer) with its own data directory and no DHT bootstrap routers. The in-memory server gives
/// a request no remote address, so this fixture gives it one: loopback, as a local client's, or the address in the
/// <see cref="RemoteAddressHeader"/> header; <see cref="NoRemoteAddress"/> there leaves the request without one.
/// </summary>
public sealed class ApiFactory : WebApplicationFactory<Program>
{
    public const string RemoteAddressHeader = "X-Test-Remote-Address";
    public const string NoRemoteAddress = "none";

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("aptp2p-api-").FullName;

    public string SettingsPath => Path.Combine(DataDirectory, "settings.json");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("AptP2P:DataDirectory", DataDirectory);
        builder.UseSetting("AptP2P:Port", "0");
        builder.UseSetting("AptP2P:BindAddress", "127.0.0.1");
        builder.UseSetting("AptP2P:Dht:BootstrapNodes", "");
        builder.UseSetting("AptP2P:Discovery:Lan", "false");
        builder.UseSetting("AptP2P:PortMapping:Enabled", "false");
        builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, RemoteAddressForTestServer>());
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

    private sealed class RemoteAddressForTestServer : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (!context.Request.Headers.TryGetValue(RemoteAddressHeader, out var value))
                    context.Connection.RemoteIpAddress ??= IPAddress.Loopback;
                else if (IPAddress.TryParse(value, out var address))
                    context.Connection.RemoteIpAddress = address;
                else if (value == NoRemoteAddress)
                    context.Connection.RemoteIpAddress = null;
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
