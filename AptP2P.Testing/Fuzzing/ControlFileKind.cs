namespace AptP2P.Testing.Fuzzing;

/// <summary>The apt control files the fuzzer feeds to the metadata readers.</summary>
public enum ControlFileKind
{
    Packages,
    Sources,
    Release,
}
