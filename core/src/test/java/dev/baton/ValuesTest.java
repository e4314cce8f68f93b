package dev.baton;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.model.ByteSize;
import dev.baton.model.Cpu;
import dev.baton.model.CronSchedule;
import dev.baton.model.Durations;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class ValuesTest {

    @Test
    void cpuParsesCoresAndMillicores() {
        assertThat(Cpu.parse("250m").millicores()).isEqualTo(250);
        assertThat(Cpu.parse("0.5").millicores()).isEqualTo(500);
        assertThat(Cpu.parse("2").millicores()).isEqualTo(2000);
        assertThat(Cpu.parse("0.5").toString()).isEqualTo("500m");
        assertThat(Cpu.parse("2000m").toString()).isEqualTo("2");
        assertThatThrownBy(() -> Cpu.parse("0.0001")).hasMessageContaining("is not a CPU amount");
        assertThatThrownBy(() -> Cpu.parse("-1")).hasMessageContaining("is not a CPU amount");
    }

    @Test
    void sizesParseBinaryAndDecimalUnits() {
        assertThat(ByteSize.parse("128Mi").bytes()).isEqualTo(128L << 20);
        assertThat(ByteSize.parse("1G").bytes()).isEqualTo(1_000_000_000L);
        assertThat(ByteSize.parse("512Ki").bytes()).isEqualTo(512L << 10);
        assertThat(ByteSize.parse("1000").bytes()).isEqualTo(1000);
        assertThat(ByteSize.parse("1024Mi").toString()).isEqualTo("1Gi");
        assertThat(ByteSize.parse("1500M").toString()).isEqualTo("1500M");
        assertThat(ByteSize.parse("1000").toString()).isEqualTo("1K");
        assertThat(ByteSize.parse("1M").mebibytesCeil()).isEqualTo(1);
        assertThatThrownBy(() -> ByteSize.parse("12Q")).hasMessageContaining("\"12Q\" is not a size");
        assertThatThrownBy(() -> ByteSize.parse("999999999999999Ti")).hasMessageContaining("too large");
    }

    @Test
    void durationsParseAndPrintTheSpecForm() {
        assertThat(Durations.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("1m30s");
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
        assertThatThrownBy(() -> Durations.parse("30s1m")).hasMessageContaining("is not a duration");
        assertThatThrownBy(() -> Durations.parse("10")).hasMessageContaining("is not a duration");
        assertThatThrownBy(() -> Durations.parse("")).hasMessageContaining("is not a duration");
    }

    @Test
    void cronScheduleFindsTheNextFiring() {
        ZoneId utc = ZoneId.of("UTC");
        ZonedDateTime t = ZonedDateTime.of(2026, 11, 23, 10, 7, 30, 0, utc);

        assertThat(CronSchedule.parse("*/15 * * * *").next(t)).isEqualTo(t.withMinute(15).withSecond(0));
        assertThat(CronSchedule.parse("0 3 * * *").next(t)).isEqualTo(ZonedDateTime.of(2026, 11, 24, 3, 0, 0, 0, utc));
        assertThat(CronSchedule.parse("0 0 1 JAN *").next(t)).isEqualTo(ZonedDateTime.of(2027, 1, 1, 0, 0, 0, 0, utc));
        assertThat(CronSchedule.parse("30 9 * * MON").next(t)).isEqualTo(ZonedDateTime.of(2026, 11, 30, 9, 30, 0, 0, utc));
        assertThatThrownBy(() -> CronSchedule.parse("* * *")).hasMessageContaining("five-field");
        assertThatThrownBy(() -> CronSchedule.parse("5-1 * * * *")).hasMessageContaining("backwards");
    }

    @Test
    void cronShortcutsAreTheFieldsKubernetesAndNomadGiveThem() {
        ZoneId utc = ZoneId.of("UTC");
        ZonedDateTime t = ZonedDateTime.of(2026, 11, 23, 10, 7, 30, 0, utc);

        assertThat(CronSchedule.parse("@daily").next(t)).isEqualTo(ZonedDateTime.of(2026, 11, 24, 0, 0, 0, 0, utc));
        assertThat(CronSchedule.parse("@hourly").next(t)).isEqualTo(ZonedDateTime.of(2026, 11, 23, 11, 0, 0, 0, utc));
        assertThat(CronSchedule.parse("@weekly").next(t)).isEqualTo(ZonedDateTime.of(2026, 11, 29, 0, 0, 0, 0, utc));
        assertThat(CronSchedule.parse("@monthly").next(t)).isEqualTo(ZonedDateTime.of(2026, 12, 1, 0, 0, 0, 0, utc));
        assertThat(CronSchedule.parse("@yearly").next(t)).isEqualTo(CronSchedule.parse("@annually").next(t));
        assertThat(CronSchedule.parse("@daily")).hasToString("@daily");
        assertThatThrownBy(() -> CronSchedule.parse("@every 5m")).hasMessageContaining("not a schedule shortcut");
    }

    @Test
    void aScheduleThatCanNeverFireIsRefusedWhenParsed() {
        assertThatThrownBy(() -> CronSchedule.parse("0 0 30 2 *")).hasMessageContaining("never fires").hasMessageContaining("day 30");
        assertThatThrownBy(() -> CronSchedule.parse("0 0 31 4,6,9,11 *")).hasMessageContaining("never fires");
        assertThat(CronSchedule.parse("0 0 29 2 *").next(ZonedDateTime.of(2026, 3, 1, 0, 0, 0, 0, ZoneId.of("UTC"))).getYear()).isEqualTo(2028);
        assertThat(CronSchedule.parse("0 0 31 4,5 *")).isNotNull();
        assertThat(CronSchedule.parse("0 0 30 2 MON")).as("day of week given: it fires on Mondays").isNotNull();
    }
}
