"""`scontrol show job` records as Slurm 22.05 prints them (field order of slurm_sprint_job_info)."""

# Composed by hand in the layout of 22.05's source, not captured from a live cluster.

# `scontrol show job -o 42`: a batch job submitted with --time=1, five seconds into its minute.
RUNNING = (
    'JobId=42 JobName=sweep UserId=alice(1000) GroupId=alice(1000) MCS_label=N/A '
    'Priority=4294901759 Nice=0 Account=(null) QOS=(null) '
    'JobState=RUNNING Reason=None Dependency=(null) '
    'Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 '
    'RunTime=00:00:05 TimeLimit=00:01:00 TimeMin=N/A '
    'SubmitTime=2026-11-23T13:20:10 EligibleTime=2026-11-23T13:20:10 '
    'AccrueTime=2026-11-23T13:20:10 '
    'StartTime=2026-11-23T13:20:12 EndTime=2026-11-23T13:21:12 Deadline=N/A '
    'SuspendTime=None SecsPreSuspend=0 LastSchedEval=2026-11-23T13:20:12 Scheduler=Main '
    'Partition=debug AllocNode:Sid=vm:4242 ReqNodeList=(null) ExcNodeList=(null) '
    'NodeList=localhost BatchHost=localhost '
    'NumNodes=1 NumCPUs=2 NumTasks=1 CPUs/Task=2 ReqB:S:C:T=0:0:*:* '
    'TRES=cpu=2,node=1,billing=2 '
    'Socks/Node=* NtasksPerN:B:S:C=0:0:*:* CoreSpec=* '
    'MinCPUsNode=2 MinMemoryNode=0 MinTmpDiskNode=0 Features=(null) DelayBoot=00:00:00 '
    'OverSubscribe=OK Contiguous=0 Licenses=(null) Network=(null) '
    'Command=/home/alice/farmworker.sbatch WorkDir=/home/alice '
    'StdErr=/home/alice/slurm-42.out StdIn=/dev/null StdOut=/home/alice/slurm-42.out Power=\n'
)

# The same job as plain `scontrol show job 42` prints it: one field group per indented line.
RUNNING_MULTILINE = (
    'JobId=42 JobName=sweep\n'
    '   UserId=alice(1000) GroupId=alice(1000) MCS_label=N/A\n'
    '   Priority=4294901759 Nice=0 Account=(null) QOS=(null)\n'
    '   JobState=RUNNING Reason=None Dependency=(null)\n'
    '   Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0\n'
    '   RunTime=00:00:05 TimeLimit=00:01:00 TimeMin=N/A\n'
    '   StartTime=2026-11-23T13:20:12 EndTime=2026-11-23T13:21:12 Deadline=N/A\n'
    '   Partition=debug AllocNode:Sid=vm:4242\n'
    '   Command=/home/alice/farmworker.sbatch\n'
    '   WorkDir=/home/alice\n'
    '   Power=\n'
    '\n'
)

# A job in a partition with MaxTime=INFINITE that did not ask for --time.
UNLIMITED = (
    'JobId=7 JobName=coordinator UserId=alice(1000) GroupId=alice(1000) MCS_label=N/A '
    'Priority=1 Nice=0 Account=(null) QOS=(null) JobState=RUNNING Reason=None '
    'Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 '
    'RunTime=3-04:05:06 TimeLimit=UNLIMITED TimeMin=N/A '
    'StartTime=2026-11-20T09:15:04 EndTime=Unknown Deadline=N/A '
    'Partition=debug AllocNode:Sid=vm:17 Command=/home/alice/coordinator.sbatch '
    'WorkDir=/home/alice Power=\n'
)

# Task 2 of array job 10 (`sbatch --array=0-3`): it has its own JobId, 12.
ARRAY_TASK = (
    'JobId=12 ArrayJobId=10 ArrayTaskId=2 JobName=farmworker-array '
    'UserId=alice(1000) GroupId=alice(1000) MCS_label=N/A Priority=1 Nice=0 '
    'Account=(null) QOS=(null) JobState=RUNNING Reason=None Dependency=(null) '
    'Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 '
    'RunTime=00:10:00 TimeLimit=1-00:00:00 TimeMin=N/A Partition=debug '
    'Command=/home/alice/farmworker-array.sbatch WorkDir=/home/alice Power=\n'
)

# A job submitted as `sbatch --job-name='my job' run.sh --size=10 a=b`: free text with spaces
# and '=' in JobName and Command, a path with a space in WorkDir.
FREE_TEXT = (
    'JobId=43 JobName=my job UserId=alice(1000) GroupId=alice(1000) MCS_label=N/A '
    'Priority=1 Nice=0 Account=(null) QOS=(null) JobState=RUNNING Reason=None '
    'Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0 '
    'RunTime=00:02:30 TimeLimit=01:00:00 TimeMin=N/A Partition=debug '
    'Command=/home/alice/run.sh --size=10 a=b WorkDir=/home/alice/my runs Power=\n'
)
