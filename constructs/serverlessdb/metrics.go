package serverlessdb

import (
	"math"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-cdk/stratus/internal/synth/metricopts"
	"github.com/stratus-cdk/stratus/internal/synth/propcheck"
)

// MetricACU is the cluster's capacity in Aurora capacity units
// (ServerlessDatabaseCapacity, average over 5 minutes unless opts say
// otherwise).
func (db *ServerlessDb) MetricACU(opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return db.Cluster.Metric(jsii.String("ServerlessDatabaseCapacity"), metricopts.WithDefaults(opts, "Average", metricopts.Minutes(5)))
}

// MetricACUUtilization is the capacity used as a percentage of MaxCapacity
// (ACUUtilization, average over 5 minutes unless opts say otherwise).
func (db *ServerlessDb) MetricACUUtilization(opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return db.Cluster.MetricACUUtilization(metricopts.WithDefaults(opts, "Average", metricopts.Minutes(5)))
}

// MetricCPU is the cluster's CPUUtilization in percent (average over 5
// minutes unless opts say otherwise).
func (db *ServerlessDb) MetricCPU(opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return db.Cluster.MetricCPUUtilization(metricopts.WithDefaults(opts, "Average", metricopts.Minutes(5)))
}

// MetricConnections is the number of client connections to the cluster
// (DatabaseConnections, maximum over 5 minutes unless opts say otherwise).
// Behind a proxy it counts the proxy's pooled connections.
func (db *ServerlessDb) MetricConnections(opts *awscloudwatch.MetricOptions) awscloudwatch.Metric {
	return db.Cluster.MetricDatabaseConnections(metricopts.WithDefaults(opts, "Maximum", metricopts.Minutes(5)))
}

// createAlarms adds the default alarms, without actions (see Alarms).
func (db *ServerlessDb) createAlarms(p *AlarmProps) {
	if p == nil {
		p = &AlarmProps{}
	}
	cpu, acu, conns := float64(DefaultCPUAlarmPercent), float64(DefaultACUAlarmPercent), db.defaultConnectionsThreshold()
	if p.CPUPercent != nil {
		cpu = *p.CPUPercent
	}
	if p.ACUPercent != nil {
		acu = *p.ACUPercent
	}
	if p.Connections != nil {
		conns = *p.Connections
	}
	alarm := func(id string, m awscloudwatch.Metric, threshold float64, what string) awscloudwatch.Alarm {
		return m.CreateAlarm(db.Construct, jsii.String(id), &awscloudwatch.CreateAlarmOptions{
			AlarmDescription:   jsii.String(*db.Node().Path() + ": " + what),
			Threshold:          jsii.Number(threshold),
			EvaluationPeriods:  jsii.Number(3),
			DatapointsToAlarm:  jsii.Number(3),
			ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
	}
	db.Alarms = []awscloudwatch.Alarm{
		alarm("CpuAlarm", db.MetricCPU(nil), cpu, "CPU utilization high for 15 minutes"),
		alarm("AcuAlarm", db.MetricACUUtilization(nil), acu, "capacity near MaxCapacity for 15 minutes"),
		alarm("ConnectionsAlarm", db.MetricConnections(nil), conns, "connections near max_connections for 15 minutes"),
	}
}

// defaultConnectionsThreshold is 80% of Aurora PostgreSQL's max_connections
// at MaxCapacity: LEAST(DBInstanceClassMemory/9531392, 5000), 2 GiB per ACU.
func (db *ServerlessDb) defaultConnectionsThreshold() float64 {
	maxACU := db.props.maxCapacity
	if propcheck.Unresolved(maxACU) {
		maxACU = DefaultMaxCapacity
	}
	maxConns := math.Min(math.Floor(maxACU*2*(1<<30)/9531392), 5000)
	return math.Floor(maxConns * 0.8)
}
