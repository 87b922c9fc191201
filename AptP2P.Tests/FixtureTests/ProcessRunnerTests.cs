using AptP2P.Testing.Machine;


namespace AptP2P.Tests.FixtureTests;

public sealed class ProcessRunnerTests
{
    private readonly CancellationToken _cancellationToken = TestContext.Current.CancellationToken;

    [Fact]
    public async Task Non_zero_exit_throws_with_the_output()
    {
        var error = await Assert.ThrowsAsync<ProcessFailedException>(() =>
            ProcessRunner.RunAsync("/bin/sh", ["-c", "echo to-stdout; echo to-stderr >&2; exit 3"], _cancellationToken));

        Assert.Contains("exited with code 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("to-stdout", error.Message, StringComparison.Ordinal);
        Assert.Contains("to-stderr", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_past_its_timeout_is_killed()
    {
        var spec = new ProcessSpec("/bin/sh", ["-c", "echo started; exec sleep 30"]) { Timeout = TimeSpan.FromMilliseconds(300) };

        var error = await Assert.ThrowsAsync<ProcessFailedException>(() => ProcessRunner.RunUncheckedAsync(spec, _cancellationToken));

        Assert.Contains("did not finish within", error.Message, StringComparison.Ordinal);
        Assert.Contains("started", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_program_names_the_debian_package_to_install()
    {
        var error = Assert.Throws<MissingPrerequisiteException>(() => Prerequisites.RequireAll("no-such-program-aptp2p", "apt-get"));

        Assert.Contains("apt-get install -y --no-install-recommends no-such-program-aptp2p", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("`apt-get`", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Test_paths_are_traversable_and_removed_on_dispose()
    {
        string root;
        using (var paths = TestPaths.Create("selftest"))
        {
            root = paths.Root;
            var nested = paths.CreateDirectory("a/b");
            Assert.StartsWith(TestPaths.BaseDirectory + "/selftest-", root, StringComparison.Ordinal);
            Assert.True(File.GetUnixFileMode(nested).HasFlag(UnixFileMode.OtherExecute));
        }

        Assert.Equal(TestPaths.KeepFiles, Directory.Exists(root));
    }
}
