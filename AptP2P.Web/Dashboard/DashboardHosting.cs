using System.Text.Json.Serialization;
using AptP2P.Engine.Configuration;
using AptP2P.Engine.Stats;
using AptP2P.Web.Api;
using AptP2P.Web.Dashboard.Components;
using AptP2P.Web.Settings;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;
using MudBlazor.Services;

namespace AptP2P.Web.Dashboard;

/// <summary>Registers and maps the node's own doors: the dashboard, the REST API with its OpenAPI description, the stats hub, the settings.</summary>
public static class DashboardHosting
{
    public static WebApplicationBuilder AddAptP2PDashboard(this WebApplicationBuilder builder)
    {
        // Package assets (MudBlazor's CSS and JS) when the node runs from a build rather than a publish; nothing otherwise.
        builder.WebHost.UseStaticWebAssets();

        var services = builder.Services;
        services.AddAptP2PStatistics();
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddSignalR().AddJsonProtocol(o => o.PayloadSerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddProblemDetails();
        services.AddOpenApi(o =>
        {
            // The REST API only: the peer protocol under /~/ is described in PROTOCOL.md, for other nodes rather than people.
            o.ShouldInclude = description => description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "AptP2P";
                document.Info.Description = "The node's statistics, transfers, peers, cache, DHT and settings. "
                    + "Answers only AptP2P:AllowedClients; changes from another site (by Origin or Sec-Fetch-Site) are refused with 403.";
                return Task.CompletedTask;
            });
        });

        var settingsPath = SettingsPathOf(builder.Configuration);
        services.AddSingleton(sp => new SettingsFile(settingsPath ?? sp.GetRequiredService<DataDirectory>().Settings));
        services.AddSingleton<SettingsValidator>();
        services.AddSingleton<SettingsEditor>();
        services.AddHostedService<CacheLimitWatcher>();
        services.AddSingleton<PeerLookupKeyResolver>();
        return builder;
    }

    public static WebApplication MapAptP2PDashboard(this WebApplication app)
    {
        // Errors of the API without a body of their own (unknown route, wrong method, bad parameter) become problem details.
        app.UseWhen(context => context.Request.Path.StartsWithSegments("/api"), api => api.UseStatusCodePages());
        app.UseAntiforgery();

        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        MapHeadOfPages(app);
        app.MapHub<StatsHub>("/hubs/stats");
        app.MapOpenApi();
        app.MapAptP2PApi();
        return app;
    }

    /// <summary>HEAD of a page (monitoring, <c>curl -I</c>) answers as its GET would, without rendering it.</summary>
    private static void MapHeadOfPages(WebApplication app)
    {
        var routes = typeof(App).Assembly.GetTypes()
            .SelectMany(t => t.GetCustomAttributes(typeof(Microsoft.AspNetCore.Components.RouteAttribute), inherit: false))
            .Cast<Microsoft.AspNetCore.Components.RouteAttribute>()
            .Select(r => r.Template)
            .Distinct(StringComparer.Ordinal);
        foreach (var route in routes)
        {
            app.MapMethods(route, [HttpMethods.Head], context =>
            {
                context.Response.ContentType = "text/html; charset=utf-8";
                return Task.CompletedTask;
            }).ExcludeFromDescription();
        }
    }

    /// <summary>The settings.json the host loads as a configuration layer (AptP2PHost puts it in the data directory).</summary>
    private static string? SettingsPathOf(ConfigurationManager configuration) =>
        ((IConfigurationBuilder)configuration).Sources.OfType<JsonConfigurationSource>()
            .Where(s => s.FileProvider is PhysicalFileProvider && s.Path == "settings.json")
            .Select(s => Path.Combine(((PhysicalFileProvider)s.FileProvider!).Root, s.Path!))
            .FirstOrDefault();
}
