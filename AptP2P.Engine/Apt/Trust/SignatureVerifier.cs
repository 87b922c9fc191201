using System.Diagnostics;
using System.Text;
using AptP2P.Engine.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AptP2P.Engine.Apt.Trust;

/// <summary>
/// Checks a Release's OpenPGP signature with Debian's <c>gpgv</c> (the verifier apt itself runs) against the keyrings of
/// <c>AptP2P:Trust:Keyrings</c>, each run in a private temporary home so no user's keyring is consulted. Armored
/// <c>.asc</c> keys are dearmored first, as apt does, since gpgv reads binary keyrings only. Bounded: at most
/// <see cref="MaxKeyringFiles"/> keyring files and <c>VerifyTimeoutSeconds</c> per run; any failure to check is an answer
/// (<c>unsigned</c> with the reason), never an exception.
/// </summary>
public sealed partial class SignatureVerifier(IOptionsMonitor<AptP2POptions> options, ILogger<SignatureVerifier> logger)
{
    public const int MaxKeyringFiles = 1000;
    private const long MaxKeyringBytes = 64L * 1024 * 1024;
    private static readonly string[] SearchPath = ["/usr/bin", "/bin", "/usr/local/bin"];

    /// <summary>Checks a clearsigned InRelease; when verified, <see cref="SignatureCheck.SignedText"/> holds what the signature covers.</summary>
    public Task<SignatureCheck> VerifyClearsignedAsync(Stream inRelease, CancellationToken cancellationToken) =>
        RunAsync(async directory =>
        {
            var message = Path.Combine(directory, "InRelease");
            await WriteAsync(message, inRelease, cancellationToken);
            return ([message], Path.Combine(directory, "signed"));
        }, cancellationToken);

    /// <summary>Checks a Release against its detached signature (Release.gpg).</summary>
    public Task<SignatureCheck> VerifyDetachedAsync(Stream release, Stream signature, CancellationToken cancellationToken) =>
        RunAsync(async directory =>
        {
            var data = Path.Combine(directory, "Release");
            var sig = Path.Combine(directory, "Release.gpg");
            await WriteAsync(data, release, cancellationToken);
            await WriteAsync(sig, signature, cancellationToken);
            return ([sig, data], null);
        }, cancellationToken);

    private async Task<SignatureCheck> RunAsync(Func<string, Task<(string[] Arguments, string? Output)>> prepare, CancellationToken cancellationToken)
    {
        var configured = options.CurrentValue.Trust.Gpgv;
        var gpgv = configured.Length > 0 ? (File.Exists(configured) ? configured : null) : SearchPath.Select(d => Path.Combine(d, "gpgv")).FirstOrDefault(File.Exists);
        if (gpgv is null)
        {
            LogNoVerifier(configured.Length > 0 ? configured : "gpgv");
            return new SignatureCheck(ArchiveTrust.NoSignature, null, $"{(configured.Length > 0 ? configured : "gpgv")} is not installed (apt-get install gpgv), so no signature can be checked");
        }

        var directory = Directory.CreateTempSubdirectory("aptp2p-gpgv-").FullName;
        try
        {
            var (files, output) = await prepare(directory);
            var keyrings = GatherKeyrings(directory);
            var arguments = new List<string> { "--homedir", directory, "--status-fd", "1" };
            foreach (var keyring in keyrings)
                arguments.AddRange(["--keyring", keyring]);
            if (output is not null)
                arguments.AddRange(["--output", output]);
            arguments.AddRange(files);

            var timeout = TimeSpan.FromSeconds(Math.Max(1, options.CurrentValue.Trust.VerifyTimeoutSeconds));
            var (exit, status) = await RunProcessAsync(gpgv, arguments, timeout, cancellationToken);
            if (exit is null)
            {
                LogVerifierHung(gpgv, timeout.TotalSeconds);
                return new SignatureCheck(ArchiveTrust.NoSignature, null, $"gpgv did not finish within {timeout.TotalSeconds:0} s");
            }
            var check = Interpret(exit.Value, status, keyrings.Count);
            if (check.Trust == ArchiveTrust.Verified && output is not null)
                check = check with { SignedText = await File.ReadAllBytesAsync(output, cancellationToken) };
            return check;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            return new SignatureCheck(ArchiveTrust.NoSignature, null, $"the signature could not be checked: {ex.Message}");
        }
        finally
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // A temporary directory; the system cleans it.
            }
        }
    }

    /// <summary>Reads gpgv's machine-readable status lines (GnuPG's doc/DETAILS).</summary>
    internal static SignatureCheck Interpret(int exitCode, string status, int keyringCount)
    {
        var lines = status.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.StartsWith("[GNUPG:] ", StringComparison.Ordinal))
            .Select(l => l["[GNUPG:] ".Length..].Split(' '))
            .ToList();
        bool Has(string keyword) => lines.Any(l => l[0] == keyword);
        string[]? First(string keyword) => lines.FirstOrDefault(l => l[0] == keyword);

        if (Has("BADSIG"))
            return new SignatureCheck(ArchiveTrust.Bad, null, $"the signature by key {First("BADSIG")![1]} does not match the Release's content");
        if (Has("EXPKEYSIG") || Has("REVKEYSIG") || Has("EXPSIG"))
        {
            var word = Has("REVKEYSIG") ? "a revoked key" : Has("EXPKEYSIG") ? "an expired key" : "an expired signature";
            return new SignatureCheck(ArchiveTrust.Bad, null, $"signed with {word}");
        }
        if (exitCode == 0 && Has("GOODSIG") && First("VALIDSIG") is { } valid)
            return new SignatureCheck(ArchiveTrust.Verified, valid.Length > 10 ? valid[10] : valid[1], null);
        if (First("NO_PUBKEY") is { } missing)
        {
            return new SignatureCheck(ArchiveTrust.UnknownKey, null,
                $"signed by key {missing[1]}, which is in none of the {keyringCount} keyring file(s) of AptP2P:Trust:Keyrings");
        }
        if (Has("NODATA") || !Has("NEWSIG"))
            return new SignatureCheck(ArchiveTrust.NoSignature, null, "the Release carries no OpenPGP signature gpgv could read");
        return new SignatureCheck(ArchiveTrust.Bad, null, $"gpgv refused the signature (exit {exitCode})");
    }

    /// <summary>
    /// The keyring files to pass to gpgv: binary ones as they are, armored ones dearmored into <paramref name="directory"/>.
    /// At most <see cref="MaxKeyringFiles"/> files are looked at (the rest are skipped, and that is logged); a file that is
    /// no OpenPGP keyring (its first byte is no packet tag, RFC 4880 §4.2) is left out, as gpgv would otherwise fail the
    /// whole check on it.
    /// </summary>
    private List<string> GatherKeyrings(string directory)
    {
        var found = new List<string>();
        var examined = 0;
        var notKeys = 0;
        long bytes = 0;
        foreach (var entry in options.CurrentValue.Trust.EffectiveKeyrings)
        {
            IEnumerable<string> candidates = Directory.Exists(entry)
                ? Directory.EnumerateFiles(entry).Where(IsKeyringName).Order(StringComparer.Ordinal)
                : File.Exists(entry) ? [entry] : [];
            foreach (var file in candidates)
            {
                if (examined >= MaxKeyringFiles)
                {
                    LogTooManyKeyrings(MaxKeyringFiles, found.Count);
                    return Done();
                }
                examined++;
                try
                {
                    var length = new FileInfo(file).Length;
                    if (bytes + length > MaxKeyringBytes)
                    {
                        LogTooManyKeyrings(examined - 1, found.Count);
                        return Done();
                    }
                    bytes += length;
                    if (file.EndsWith(".asc", StringComparison.Ordinal))
                    {
                        if (Dearmor(File.ReadAllText(file)) is { Length: > 0 } binary)
                        {
                            var target = Path.Combine(directory, $"key{found.Count}.gpg");
                            File.WriteAllBytes(target, binary);
                            found.Add(target);
                        }
                        else
                        {
                            LogUnreadableKeyring(file);
                        }
                    }
                    else if (StartsWithPacketTag(file))
                    {
                        found.Add(file);
                    }
                    else
                    {
                        notKeys++;
                    }
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    LogUnreadableKeyring(file);
                }
            }
        }
        return Done();

        List<string> Done()
        {
            if (notKeys > 0)
                LogNotKeyrings(notKeys);
            return found;
        }
    }

    private static bool StartsWithPacketTag(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
        var first = stream.ReadByte();
        return first >= 0 && (first & 0x80) != 0;
    }

    private static bool IsKeyringName(string path) =>
        path.EndsWith(".gpg", StringComparison.Ordinal) || path.EndsWith(".asc", StringComparison.Ordinal);

    /// <summary>The binary packets of every <c>PGP PUBLIC KEY BLOCK</c> in an armored file (RFC 4880 §6.2); null when there is none.</summary>
    internal static byte[]? Dearmor(string armored)
    {
        using var packets = new MemoryStream();
        var state = ArmorState.Outside;
        var body = new StringBuilder();
        foreach (var raw in armored.Split('\n'))
        {
            var line = raw.TrimEnd('\r', ' ', '\t');
            var end = line.StartsWith("-----END PGP PUBLIC KEY BLOCK-----", StringComparison.Ordinal);
            switch (state)
            {
                case ArmorState.Outside:
                    if (line == "-----BEGIN PGP PUBLIC KEY BLOCK-----")
                        state = ArmorState.Headers;
                    break;
                case ArmorState.Headers:
                    // Armor headers ("Comment: …") end at the first empty line.
                    if (line.Length == 0)
                        state = ArmorState.Body;
                    break;
                case ArmorState.Body when end || line.StartsWith('='):
                    try
                    {
                        packets.Write(Convert.FromBase64String(body.ToString()));
                    }
                    catch (FormatException)
                    {
                        return null;
                    }
                    body.Clear();
                    state = end ? ArmorState.Outside : ArmorState.Checksum;
                    break;
                case ArmorState.Body:
                    body.Append(line);
                    break;
                case ArmorState.Checksum when end:
                    state = ArmorState.Outside;
                    break;
            }
        }
        return packets.Length > 0 ? packets.ToArray() : null;
    }

    private enum ArmorState
    {
        Outside,
        Headers,
        Body,
        Checksum,
    }

    private static async Task WriteAsync(string path, Stream content, CancellationToken cancellationToken)
    {
        await using var file = File.Create(path);
        await content.CopyToAsync(file, cancellationToken);
    }

    private static async Task<(int? Exit, string Status)> RunProcessAsync(string program, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        start.Environment["LC_ALL"] = "C";
        using var process = Process.Start(start) ?? throw new IOException($"{program} did not start");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            return (null, "");
        }
        await stderr;
        return (process.ExitCode, await stdout);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "AptP2P:Trust:Keyrings holds more than the {Count} files (or 64 MiB) a check reads; the rest are skipped ({Keyrings} keyrings used)")]
    private partial void LogTooManyKeyrings(int count, int keyrings);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} .gpg files of AptP2P:Trust:Keyrings are not OpenPGP keyrings; skipped")]
    private partial void LogNotKeyrings(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Program} is missing: no archive signature can be checked, every archive counts as unsigned (apt-get install gpgv)")]
    private partial void LogNoVerifier(string program);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Program} did not finish within {Seconds} s and was killed; the archive counts as unsigned for now")]
    private partial void LogVerifierHung(string program, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Keyring {Path} could not be read as an OpenPGP key file; ignored")]
    private partial void LogUnreadableKeyring(string path);
}
