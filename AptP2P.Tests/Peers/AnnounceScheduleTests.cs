using AptP2P.Engine;
using AptP2P.Engine.Peers;

namespace AptP2P.Tests.Peers;

public sealed class AnnounceScheduleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly ContentHash A = ContentHash.Compute("a"u8);
    private static readonly ContentHash B = ContentHash.Compute("b"u8);

    [Fact]
    public void Files_come_due_in_order_of_their_due_time_and_only_once_due()
    {
        var schedule = new AnnounceSchedule();
        schedule.Schedule(A, T0.AddMinutes(2));
        schedule.Schedule(B, T0.AddMinutes(1));

        Assert.Equal(T0.AddMinutes(1), schedule.Next);
        Assert.Empty(schedule.TakeDue(T0));
        Assert.Equal([B], schedule.TakeDue(T0.AddMinutes(1)));
        Assert.Equal(T0.AddMinutes(2), schedule.Next);
        Assert.Equal([A], schedule.TakeDue(T0.AddMinutes(5)));
        Assert.Null(schedule.Next);
        Assert.Equal(0, schedule.Count);
    }

    [Fact]
    public void Rescheduling_a_file_replaces_its_earlier_time()
    {
        var schedule = new AnnounceSchedule();
        schedule.Schedule(A, T0.AddMinutes(1));
        schedule.Schedule(A, T0.AddMinutes(25));

        Assert.Equal(1, schedule.Count);
        Assert.Equal(T0.AddMinutes(25), schedule.Next);
        Assert.Empty(schedule.TakeDue(T0.AddMinutes(10)));
        Assert.Equal([A], schedule.TakeDue(T0.AddMinutes(25)));
    }

    [Fact]
    public void Adding_keeps_a_file_that_is_already_scheduled_and_removing_drops_it()
    {
        var schedule = new AnnounceSchedule();
        schedule.Schedule(A, T0.AddMinutes(1));
        schedule.TryAdd(A, T0.AddMinutes(30));
        schedule.TryAdd(B, T0.AddMinutes(2));
        schedule.Remove(A);

        Assert.Equal(T0.AddMinutes(2), schedule.Next);
        Assert.Equal([B], schedule.TakeDue(T0.AddHours(1)));
    }

    [Fact]
    public void The_sleeper_is_woken_only_by_a_file_due_before_the_earliest_one()
    {
        var schedule = new AnnounceSchedule();
        schedule.Schedule(A, T0.AddMinutes(10));

        var earlier = schedule.Earlier;
        schedule.Schedule(B, T0.AddMinutes(20));
        Assert.False(earlier.IsCompleted);

        schedule.Schedule(B, T0.AddMinutes(5));
        Assert.True(earlier.IsCompletedSuccessfully);
        Assert.False(schedule.Earlier.IsCompleted);
    }

    [Fact]
    public void An_empty_schedule_wakes_its_sleeper_on_the_first_file()
    {
        var schedule = new AnnounceSchedule();
        var earlier = schedule.Earlier;

        schedule.Schedule(A, T0.AddDays(1));

        Assert.True(earlier.IsCompletedSuccessfully);
    }
}
