using System.Net;
using AptP2P.Engine;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Node;
using AptP2P.Web.Access;
using AptP2P.Web.Dashboard;
using AptP2P.Web.Operations;
using AptP2P.Web.Peers;
using AptP2P.Web.Proxy;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Options;

namespace AptP2P.Web.Hosting;

/// <summary>Builds the AptP2P web host: configuration layers, Kestrel on the node's port, the engine, and every door into the process.</summary>
public static class AptP2PHost
{
    /// <summary>How long a stop lets open HTTP responses run before they are cut (the host's shutdown timeout).</summary>
    public static readonly TimeSpan HttpDrainTimeout = TimeSpan.FromSeconds(1.5);

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            // The web project's name, also when a test process hosts it: static web assets and Blazor are found by it.
            ApplicationName = typeof(AptP2PHost).Assembly.GetName().Name,
        });
        AddSystemConfigFile(builder.Configuration);
        AddSettingsFile(builder.Configuration);
        // Under systemd: READY/STOPPING notifications (Type=notify), journald-formatted logs, the watchdog; a no-op elsewhere.
        builder.Services.AddSystemd();
        NodeMetrics.AddTo(builder.Services);
        if (SystemdHelpers.IsSystemdService() && SystemdWatchdog.IntervalFromEnvironment() is { } watchdog)
            builder.Services.AddHostedService(sp => new SystemdWatchdog(sp.GetRequiredService<ISystemdNotifier>(), watchdog));

        // A stop (SIGTERM from systemd, Ctrl+C) gives open HTTP responses this long to finish before Kestrel cuts them; the
        // DHT's and the database's final saves then run on bounds of their own, so a stop under load ends within 5 s.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = HttpDrainTimeout);
        builder.Services.AddAptP2PEngine(builder.Configuration);
        builder.Services.AddSingleton<ClientAccess>();
        builder.Services.AddSingleton<ProxyEndpoint>();
        builder.Services.AddSingleton<ClientAbortLog>();
        builder.Services.AddSingleton<Prefetcher>();
        builder.Services.AddSingleton<ConnectTunnel>();
        builder.AddAptP2PDashboard();
        builder.Services.AddOptions<AptP2POptions>()
            .Validate(o => ClientAccess.IsValid(o.AllowedClients), "AptP2P:AllowedClients must list addresses or CIDR networks such as 192.168.1.0/24")
            .Validate(o => IPAddress.TryParse(o.BindAddress, out _), "AptP2P:BindAddress must be an IP address such as 0.0.0.0 or 127.0.0.1");

        // "::" is every IPv4 and IPv6 address: one socket per family, the IPv6 one IPv6-only, so that an IPv4 client is
        // always seen at its IPv4 address (never as ::ffff:a.b.c.d) by access control, the peer protocol and the logs.
        builder.WebHost.UseSockets(sockets => sockets.CreateBoundListenSocket = BindListenSocket);
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var options = context.Configuration.GetSection(AptP2POptions.SectionName).Get<AptP2POptions>() ?? new AptP2POptions();
            var bind = IPAddress.TryParse(options.BindAddress, out var parsed) ? parsed : IPAddress.IPv6Any;
            kestrel.AddServerHeader = false;
            // Port 0 (tests) would give each family its own free port: the first family alone then.
            var addresses = NodeEndpoints.ListenAddresses(bind);
            foreach (var address in options.Port == 0 ? addresses.Take(1) : addresses)
            {
                kestrel.Listen(address, options.Port, listen =>
                {
                    var prefetcher = listen.ApplicationServices.GetRequiredService<Prefetcher>();
                    listen.Use(listen.ApplicationServices.GetRequiredService<ConnectTunnel>().Middleware);
                    listen.Use(RequestPump.Middleware(prefetcher.For));
                });
            }
        });

        configure?.Invoke(builder);

        var app = builder.Build();
        app.Lifetime.ApplicationStarted.Register(() => RecordBoundPorts(app));
        var proxy = app.Services.GetRequiredService<ProxyEndpoint>();
        var aborts = app.Services.GetRequiredService<ClientAbortLog>();
        app.Use(next => context => DispatchAsync(context, proxy, aborts, next));
        // The one access decision for every door of the node's own (dashboard, API, hub, OpenAPI, DHT diagnostics, their
        // assets); the proxy above keeps its own check, the peer protocol is open.
        app.UseMiddleware<AdminAccessMiddleware>();
        // Routing (and the authorization that needs its endpoint) only after the proxy: an apt request never pays for
        // matching against the dashboard's routes and static assets.
        app.UseRouting();
        app.UseAuthorization();

        app.MapAptP2PDashboard();
        app.MapHealth();
        NodeMetrics.Start(app.Services);
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapPeerProtocol();
        return app;
    }

    /// <summary>
    /// Apt's requests to the proxy, everything else on to routing; on the way, the connection's request pump learns how far
    /// Kestrel has got, so it prefetches only a bounded way ahead. One middleware for both: every cache hit passes here.
    /// </summary>
    private static async Task DispatchAsync(HttpContext context, ProxyEndpoint proxy, ClientAbortLog aborts, RequestDelegate next)
    {
        var window = context.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionItemsFeature>()?.Items is { } items
            && items.TryGetValue(PrefetchWindow.ItemKey, out var value) ? value as PrefetchWindow : null;
        window?.RequestStarted();
        try
        {
            var rawTarget = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget ?? "/";
            // A CONNECT that reaches Kestrel was not let through by the ConnectTunnel: the proxy refuses it with the reason.
            if (ProxyRouting.IsProxyTarget(rawTarget) || HttpMethods.IsConnect(context.Request.Method))
                await aborts.RunAsync(context, proxy.HandleAsync);
            else if (MethodNames.IsMiscased(context.Request.Method))
                await RefuseMiscasedAsync(context);
            else
                await aborts.RunAsync(context, next);
        }
        finally
        {
            window?.RequestCompleted();
        }
    }

    /// <summary>The node's own doors (dashboard, API, peer protocol): routing would take <c>get</c> for GET, so it never sees it.</summary>
    private static Task RefuseMiscasedAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(
            $"400 Bad Request: method names are case-sensitive (RFC 9110 §9.1): {context.Request.Method} is not {HttpMethods.GetCanonicalizedValue(context.Request.Method)}\n",
            context.RequestAborted);
    }

    /// <summary>
    /// The administrator's file, <c>/etc/aptp2p/aptp2p.json</c> in the package (named by <c>APTP2P_CONFIG</c>, which the
    /// systemd unit sets): over the built-in <c>appsettings.json</c>, under the settings form's <c>settings.json</c>, the
    /// environment and the command line. Missing is fine (every key has a default); malformed stops the start with the reason.
    /// </summary>
    private static void AddSystemConfigFile(ConfigurationManager configuration)
    {
        var path = Environment.GetEnvironmentVariable("APTP2P_CONFIG");
        if (string.IsNullOrWhiteSpace(path))
            return;
        var sources = ((IConfigurationBuilder)configuration).Sources;
        var index = sources.ToList().FindLastIndex(s => s is EnvironmentVariablesConfigurationSource { Prefix: null or "" });
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(directory))
            return;
        var source = new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
        {
            Path = Path.GetFileName(path),
            Optional = true,
            ReloadOnChange = true,
            FileProvider = new Microsoft.Extensions.FileProviders.PhysicalFileProvider(directory),
        };
        if (index < 0)
            sources.Add(source);
        else
            sources.Insert(index, source);
    }

    /// <summary>
    /// <c>appsettings.json</c>, then <c>settings.json</c> in the data directory (written by the settings form), then environment
    /// variables and the command line, which always win.
    /// </summary>
    private static void AddSettingsFile(ConfigurationManager configuration)
    {
        var options = configuration.GetSection(AptP2POptions.SectionName).Get<AptP2POptions>() ?? new AptP2POptions();
        var settings = DataDirectory.FromOptions(options).Settings;
        var sources = ((IConfigurationBuilder)configuration).Sources;
        // Before the application's environment variables (the last unprefixed source), above appsettings.json; the
        // ASPNETCORE_/DOTNET_ host variables come before appsettings.json and must not decide the place.
        var index = sources.ToList().FindLastIndex(s => s is EnvironmentVariablesConfigurationSource { Prefix: null or "" });
        var directory = Path.GetDirectoryName(settings)!;
        try
        {
            // Created now, so that the settings form's first save is loaded (and reloaded) without a restart.
            Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Left to the engine's start-up, which reports an unusable data directory; there is then no settings layer.
        }
        var settingsSource = new Microsoft.Extensions.Configuration.Json.JsonConfigurationSource
        {
            Path = Path.GetFileName(settings),
            Optional = true,
            ReloadOnChange = true,
            FileProvider = Directory.Exists(directory) ? new Microsoft.Extensions.FileProviders.PhysicalFileProvider(directory) : null,
        };
        if (settingsSource.FileProvider is null)
            return;
        if (index < 0)
            sources.Add(settingsSource);
        else
            sources.Insert(index, settingsSource);
    }

    /// <summary>Kestrel's listen socket, except that a socket on <c>::</c> is IPv6-only (IPv4 has a socket of its own).</summary>
    private static System.Net.Sockets.Socket BindListenSocket(EndPoint endPoint)
    {
        if (endPoint is not IPEndPoint { Address: var address } ip || !address.Equals(IPAddress.IPv6Any))
            return Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions.CreateDefaultBoundListenSocket(endPoint);
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetworkV6, System.Net.Sockets.SocketType.Stream,
            System.Net.Sockets.ProtocolType.Tcp)
        { DualMode = false };
        try
        {
            socket.Bind(ip);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return socket;
    }

    private static void RecordBoundPorts(WebApplication app)
    {
        var node = app.Services.GetRequiredService<NodeEndpoints>();
        var bind = app.Services.GetRequiredService<IOptions<AptP2POptions>>().Value.BindAddress;
        node.RecordBindAddress(IPAddress.TryParse(bind, out var parsed) ? parsed : IPAddress.IPv6Any);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        foreach (var address in addresses)
        {
            if (Uri.TryCreate(address, UriKind.Absolute, out var uri))
            {
                node.RecordHttpPort(uri.Port); // The DHT records its own port when its UDP socket is bound.
                break;
            }
        }
    }
}
