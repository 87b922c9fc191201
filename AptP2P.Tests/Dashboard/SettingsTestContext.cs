using AptP2P.Engine;
using AptP2P.Engine.Configuration;
using AptP2P.Web.Settings;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace AptP2P.Tests.Dashboard;

/// <summary>
/// The settings form against the engine's real options registrations and rules (DataAnnotations and the engine's and DHT's
/// validators), with configuration layered as the host layers it: defaults, then settings.json in a temporary data directory.
/// </summary>
public abstract class SettingsTestContext : DashboardTestContext
{
    private protected SettingsTestContext()
    {
        DataDirectory = Directory.CreateTempSubdirectory("aptp2p-settings-").FullName;
        SettingsPath = Path.Combine(DataDirectory, "settings.json");
        Configuration = new ConfigurationManager();
        Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AptP2P:Port"] = "9977",
            ["AptP2P:BindAddress"] = "0.0.0.0",
            ["AptP2P:DataDirectory"] = DataDirectory,
            ["AptP2P:Cache:SizeLimit"] = "20G",
        });
        Configuration.AddJsonFile(SettingsPath, optional: true, reloadOnChange: false);

        Services.AddSingleton<IConfiguration>(Configuration);
        Services.AddAptP2PEngine(Configuration);
        Services.AddSingleton(new SettingsFile(SettingsPath));
        Services.AddSingleton<SettingsValidator>();
        Services.AddSingleton<SettingsEditor>();
    }

    internal string DataDirectory { get; }
    internal string SettingsPath { get; }
    internal ConfigurationManager Configuration { get; }

    /// <remarks>Runs from DisposeAsync too (with <paramref name="disposing"/> false), which is the one xunit calls.</remarks>
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        try
        {
            if (Directory.Exists(DataDirectory))
                Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort, as for AptP2PNode; /tmp is cleaned later.
        }
    }
}
