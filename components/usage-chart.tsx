"use client";

import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export interface DayUsage {
  day: string;
  message: number;
  integration: number;
}

const credits = (mc: number) => mc / 1000;

/** Credits used per day, message and integration side by side (two axes: their scales differ). */
export default function UsageChart({ data }: { data: DayUsage[] }) {
  // "2026-10-29" → "Oct 29" (the day is already the viewer's calendar day).
  const label = (day: string) => new Date(`${day}T12:00:00Z`).toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
  const rows = data.map((d) => ({ day: label(d.day), message: credits(d.message), integration: credits(d.integration) }));
  return (
    <ResponsiveContainer width="100%" height={240}>
      <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.15} />
        <XAxis dataKey="day" tick={{ fontSize: 11, fill: "currentColor" }} interval="preserveStartEnd" />
        <YAxis yAxisId="m" tick={{ fontSize: 11, fill: "currentColor" }} width={52} label={{ value: "Message", angle: -90, position: "insideLeft", fontSize: 11, fill: "currentColor" }} />
        <YAxis yAxisId="i" orientation="right" tick={{ fontSize: 11, fill: "currentColor" }} width={60} label={{ value: "Integration", angle: 90, position: "insideRight", fontSize: 11, fill: "currentColor" }} />
        <Tooltip contentStyle={{ fontSize: 12, color: "#18181b" }} formatter={(v) => Number(v).toLocaleString("en-US", { maximumFractionDigits: 1 })} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        <Bar yAxisId="m" dataKey="message" name="Message credits" fill="#6366f1" isAnimationActive={false} />
        <Bar yAxisId="i" dataKey="integration" name="Integration credits" fill="#f59e0b" isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  );
}
