"""HPC Taskfarm coordinator: one store of work behind the taskfarm, IronWorker, ndscheduler and Scale APIs."""

__version__ = '0.1.0'
