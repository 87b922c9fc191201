using AptP2P.Testing.Machine;
using AptP2P.Testing.Nodes;
using AptP2P.Web.Cli;

namespace AptP2P.Tests.Packaging;

/// <summary><c>aptp2p status</c>, <c>enable</c>, <c>disable</c>, <c>--version</c>: their output and exit codes.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly TestPaths _paths = TestPaths.Create("cli");
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();

    private Task<int?> RunAsync(params string[] args) => new CommandLine(_out, _err).TryRunAsync(args);

    [Fact]
    public async Task Version_prints_the_build_version()
    {
        Assert.Equal(CommandLine.Ok, await RunAsync("--version"));
        Assert.Equal("aptp2p 0.1.0", _out.ToString().Trim());
    }

    [Fact]
    public async Task Node_arguments_are_left_to_the_node()
    {
        Assert.Null(await RunAsync());
        Assert.Null(await RunAsync("--AptP2P:Port=9977"));
    }

    [Fact]
    public async Task Enable_writes_the_snippet_apt_reads_and_disable_removes_it()
    {
        var conf = _paths.CreateDirectory("apt.conf.d");
        var snippet = Path.Combine(conf, AptConfSnippet.FileName);

        Assert.Equal(CommandLine.Ok, await RunAsync("enable", "--apt-conf-dir", conf));
        Assert.Contains($"Acquire::http::Proxy-Auto-Detect \"{AptConfSnippet.HelperPath}\";", await File.ReadAllTextAsync(snippet, TestContext.Current.CancellationToken));

        // apt itself reads it: apt-config with this directory as its parts directory.
        var aptConf = _paths.PathOf("apt.conf");
        await File.WriteAllTextAsync(aptConf, $"Dir::Etc::Parts \"{conf}\";\n", TestContext.Current.CancellationToken);
        var dump = await ProcessRunner.RunAsync(
            new ProcessSpec("apt-config", ["dump", "Acquire::http::Proxy-Auto-Detect"]) { Environment = new Dictionary<string, string?> { ["APT_CONFIG"] = aptConf } },
            TestContext.Current.CancellationToken);
        Assert.Contains(AptConfSnippet.HelperPath, dump.StandardOutput);

        Assert.Equal(CommandLine.Ok, await RunAsync("disable", "--apt-conf-dir", conf));
        Assert.False(File.Exists(snippet));
        Assert.Equal(CommandLine.Ok, await RunAsync("disable", "--apt-conf-dir", conf));
        Assert.Contains("nothing to do", _out.ToString());
    }

    [Fact]
    public async Task Enable_into_a_missing_directory_fails_with_the_path()
    {
        var missing = _paths.PathOf("no-such-dir");

        Assert.Equal(CommandLine.Failed, await RunAsync("enable", "--apt-conf-dir", missing));
        Assert.Contains(missing, _err.ToString());
    }

    [Fact]
    public async Task Enable_and_disable_without_rights_say_so_with_exit_code_4()
    {
        // As an unprivileged user (setpriv, as root runs the tests): the real executable against a root-owned directory.
        var conf = _paths.CreateDirectory("root-only");
        File.SetUnixFileMode(conf, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead
            | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        await File.WriteAllTextAsync(Path.Combine(conf, AptConfSnippet.FileName), "// enabled\n", TestContext.Current.CancellationToken);
        var executable = Path.Combine(AppContext.BaseDirectory, "AptP2P.Web");

        foreach (var verb in new[] { "enable", "disable" })
        {
            var result = await ProcessRunner.RunUncheckedAsync(
                new ProcessSpec("setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups", executable, verb, "--apt-conf-dir", conf]),
                TestContext.Current.CancellationToken);
            Assert.True(result.ExitCode == CommandLine.NoRights, result.Output);
            Assert.Contains($"sudo aptp2p {verb}", result.StandardError);
        }
        Assert.True(File.Exists(Path.Combine(conf, AptConfSnippet.FileName)));
    }

    [Fact]
    public async Task Status_summarises_a_running_node()
    {
        await using var node = await AptP2PNode.StartAsync();

        Assert.Equal(CommandLine.Ok, await RunAsync("status", "--url", node.BaseUri.ToString()));
        var text = _out.ToString();
        Assert.Contains($"aptp2p 0.1.0 at {node.BaseUri}", text);
        Assert.Contains("peers:", text);
        Assert.Contains("cache:", text);
        Assert.Contains("from mirrors", text);
        // Whether the node is reachable from outside, per address family: a fresh node with no bootstrap nodes has not learnt it.
        Assert.Contains("reachable over IPv4: not known yet", text);
    }

    [Fact]
    public async Task Status_without_a_node_exits_3()
    {
        Assert.Equal(CommandLine.NotRunning, await RunAsync("status", "--url", $"http://127.0.0.1:{FreePort.Pick()}/"));
        Assert.Contains("no node answers", _err.ToString());
    }

    [Fact]
    public async Task Status_refused_by_the_node_exits_4()
    {
        await using var node = await AptP2PNode.StartAsync(settings: "AptP2P:AllowedClients:0=192.0.2.0/24");

        Assert.Equal(CommandLine.NoRights, await RunAsync("status", "--url", node.BaseUri.ToString()));
        Assert.Contains("AllowedClients", _err.ToString());
    }

    [Fact]
    public async Task Bad_usage_exits_2()
    {
        Assert.Equal(CommandLine.Usage, await RunAsync("enable", "--bogus"));
    }

    public void Dispose()
    {
        _paths.Dispose();
        _out.Dispose();
        _err.Dispose();
    }
}
