using AptP2P.Testing.Machine;

namespace AptP2P.Testing.Repositories;

/// <summary>
/// A throwaway ed25519 signing key in a private GNUPGHOME; signs Release into InRelease and Release.gpg
/// and stops the gpg-agent it started after every use. A second one, whose key is not published in <see cref="TestKeyrings"/>,
/// is a stranger's key (<see cref="DebianRepository.RewriteReleaseAsync"/>).
/// </summary>
public sealed class RepositorySigner
{
    private const string UserId = "AptP2P Test Repo <test@invalid>";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(1);

    private readonly string _gnupgHome;

    private RepositorySigner(string gnupgHome, string keyringPath)
    {
        _gnupgHome = gnupgHome;
        KeyringPath = keyringPath;
    }

    /// <summary>The public key as a binary keyring, for <c>[signed-by=...]</c>.</summary>
    public string KeyringPath { get; }

    public static async Task<RepositorySigner> CreateAsync(string gnupgHome, string keyringPath, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(gnupgHome, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var signer = new RepositorySigner(gnupgHome, keyringPath);
        try
        {
            await signer.GpgAsync(["--passphrase", "", "--quick-gen-key", UserId, "ed25519", "sign", "never"], cancellationToken);
            await signer.GpgAsync(["--yes", "--output", keyringPath, "--export"], cancellationToken);
        }
        finally
        {
            await signer.StopAgentAsync();
        }
        return signer;
    }

    /// <summary>Writes InRelease (clearsigned) and Release.gpg (detached, armored) next to <paramref name="releasePath"/>.</summary>
    public async Task SignAsync(string releasePath, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(releasePath)!;
        try
        {
            await GpgAsync(["--yes", "--clearsign", "--output", Path.Combine(directory, "InRelease"), releasePath], cancellationToken);
            await GpgAsync(["--yes", "--armor", "--detach-sign", "--output", Path.Combine(directory, "Release.gpg"), releasePath], cancellationToken);
        }
        finally
        {
            await StopAgentAsync();
        }
    }

    private Task<ProcessResult> GpgAsync(string[] arguments, CancellationToken cancellationToken) =>
        ProcessRunner.RunAsync(
            new ProcessSpec(Prerequisites.Require("gpg"), ["--batch", "--quiet", "--homedir", _gnupgHome, .. arguments]) { Timeout = Timeout },
            cancellationToken);

    private async Task StopAgentAsync()
    {
        // Not cancellable on purpose: the agent must go even when the build was cancelled.
        await ProcessRunner.RunAsync(
            new ProcessSpec(Prerequisites.Require("gpgconf"), ["--homedir", _gnupgHome, "--kill", "gpg-agent"]) { Timeout = Timeout },
            CancellationToken.None);
    }
}
